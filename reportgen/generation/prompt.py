"""THE prompt: one builder for training examples and for inference.

A fine-tuned model only works if it is asked exactly what it was trained on,
so `reportgen train` and `ModelGenerator` both call `build_messages`, and the
tokenized prompt comes from `prompt_token_ids` in both (TRL tokenizes a
conversational prompt the same way: chat template + generation prompt).
Changing the wording or shape here changes `PROMPT_FORMAT`; models trained on
another format are refused at load time.
"""

from __future__ import annotations

from typing import Any

from reportgen.layout import Layout
from reportgen.report import Code

PROMPT_FORMAT = "reportgen-chat-1"
MAX_CONTEXT_CODES = 10  # more terms crowd the note out of the context window

Message = dict[str, str]


def build_messages(note_text: str, context: list[Code], layout: Layout) -> list[Message]:
    """System + user messages asking for a report of `note_text` in the layout's section format."""
    titles = ", ".join(spec.title.upper() for spec in layout.sections)
    system = (
        f"You write a {layout.title.lower()} from a de-identified clinical note or visit transcript. "
        "Write each section the note documents as its title in capitals on its own line, then its text, "
        f"then a blank line, in this order: {titles}. "
        "Leave out sections the note does not document. Use only facts stated in the note."
    )
    user = f"Note:\n{note_text.strip()}"
    if context:
        terms = "\n".join(f"- {code.code} {code.title} ({code.system})" for code in context[:MAX_CONTEXT_CODES])
        user = f"Terminology that may apply:\n{terms}\n\n{user}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def completion_messages(draft: str) -> list[Message]:
    """The assistant turn a training example teaches: the report in the layout's draft format."""
    return [{"role": "assistant", "content": draft}]


def reference_draft(report_text: str, layout: Layout) -> str:
    """A reference report rewritten in the layout's draft format (text before any header goes to the fallback)."""
    return layout.format_draft(layout.section_texts(report_text))


def prompt_token_ids(tokenizer: Any, messages: list[Message]) -> list[int]:
    """Token ids of the prompt, ending where the model starts writing."""
    return list(tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"])


def full_token_ids(tokenizer: Any, messages: list[Message]) -> list[int]:
    """Token ids of a whole conversation (prompt + completion), as TRL tokenizes a training example."""
    return list(tokenizer.apply_chat_template(messages, tokenize=True, return_dict=True)["input_ids"])
