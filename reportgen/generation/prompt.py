"""THE prompt: one builder for training examples and for inference.

A fine-tuned model only works if it is asked exactly what it was trained on,
so `reportgen train` and `ModelGenerator` both call `build_messages`, and the
tokenized prompt comes from `prompt_token_ids` in both (TRL tokenizes a
conversational prompt the same way: chat template + generation prompt).
Changing the wording or shape here changes `PROMPT_FORMAT`; models trained on
another format are refused at load time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reportgen.layout import Layout
from reportgen.report import Code

PROMPT_FORMAT = "reportgen-chat-1"
MAX_CONTEXT_CODES = 10  # more terms crowd the note out of the context window

Message = dict[str, str]


def build_messages(note_text: str, context: list[Code], layout: Layout, examples: Sequence[str] = ()) -> list[Message]:
    """System + user messages asking for a report of `note_text` in the layout's section format.

    `examples`: reports written for similar (de-identified) notes of the site's archive, best first,
    already fitted to the context budget (`fit_examples`); none = the prompt without them."""
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
    if examples:
        shown = "\n\n".join(f"Example {i}:\n{text.strip()}" for i, text in enumerate(examples, start=1))
        user = f"Reports written for similar notes (for form and wording; their facts are about other patients):\n\n{shown}\n\n{user}"
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


def fit_examples(reports: Sequence[str], tokenizer: Any, budget: int) -> list[str]:
    """The retrieved reports, best first, that fit `budget` tokens together; the first one is
    cut to the budget if even it is longer (a cut example still shows the form)."""
    fitted: list[str] = []
    left = budget
    for text in reports:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(ids) <= left:
            fitted.append(text)
            left -= len(ids)
        elif not fitted and left > 0:
            fitted.append(tokenizer.decode(ids[:left]))
            break
        else:
            break
    return fitted
