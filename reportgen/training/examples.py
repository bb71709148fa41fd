"""Training examples, built exactly as inference prompts are.

pairs -> `pipeline.prepare(notes, also=[[report], ...])`: the inference pipeline's de-identification
         (same surrogates in note and report) and retrieval (terms for the de-identified note)
      -> `build_messages(...)` (THE prompt builder) + the report in the layout's draft format.

Token lengths are checked here, before TRL sees the data: TRL silently drops
examples whose prompt fills max_length and cuts long completions. Over-long
examples are counted and reported, then truncated (the note is shortened, the
completion kept whole) or skipped, as the recipe says.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from reportgen.data import Pair
from reportgen.generation.model import Examples as WorkedExamples
from reportgen.generation.prompt import Message, build_messages, completion_messages, full_token_ids, reference_draft
from reportgen.notes import Note

if TYPE_CHECKING:  # the trainer imports Example on machines without the pipeline's NLP stack
    from reportgen.pipeline import Pipeline

_MIN_NOTE_TOKENS = 32  # below this a truncated note says too little to learn from


@dataclass
class Example:
    id: str
    prompt: list[Message]
    completion: list[Message]
    tokens: int

    def row(self) -> dict[str, Any]:
        return {"prompt": self.prompt, "completion": self.completion}


@dataclass
class Examples:
    items: list[Example]
    deid_policy: str | None
    max_length: int
    overlong: int = 0  # examples over max_length before the policy applied
    longest: int = 0  # tokens of the longest example before the policy applied
    truncated: int = 0
    skipped: list[str] = field(default_factory=list)  # pair ids left out

    def summary(self) -> str:
        if not self.overlong:
            return f"{len(self.items)} examples, longest {self.longest} tokens (max_length {self.max_length})."
        return (
            f"{self.overlong} of {len(self.items) + len(self.skipped)} examples were over max_length "
            f"{self.max_length} (longest {self.longest} tokens): {self.truncated} truncated, {len(self.skipped)} skipped."
        )


def build_examples(
    pairs: list[Pair], pipeline: Pipeline, tokenizer: Any, max_length: int, policy: str, worked: WorkedExamples | None = None
) -> Examples:
    """`worked`: put the reports of the nearest archived pairs into each prompt (never the pair's own)."""
    result = Examples(items=[], deid_policy=pipeline.deid_policy, max_length=max_length)
    notes = [Note(id=p.id, text=p.note, sha256=hashlib.sha256(p.note.encode("utf-8")).hexdigest()) for p in pairs]
    prepared = pipeline.prepare(notes, also=[[pair.report] for pair in pairs])
    for pair, ready in zip(pairs, prepared, strict=True):
        clean, context = ready.deid, ready.context
        completion = completion_messages(reference_draft(clean.also[0], pipeline.layout))
        shown = (
            worked.archive.worked_examples(clean.text, pipeline.layout, tokenizer, worked.k, worked.budget, exclude=pair.id)
            if worked
            else []
        )
        prompt = build_messages(clean.text, context, pipeline.layout, shown)
        tokens = len(full_token_ids(tokenizer, prompt + completion))
        result.longest = max(result.longest, tokens)
        if tokens > max_length:
            result.overlong += 1
            shortened = _shorten(clean.text, tokens - max_length, tokenizer) if policy == "truncate" else None
            if shortened is None:
                result.skipped.append(pair.id)
                continue
            prompt = build_messages(shortened, context, pipeline.layout, shown)
            tokens = len(full_token_ids(tokenizer, prompt + completion))
            if tokens > max_length:  # tokens merged differently at the cut; cannot happen by more than a few
                result.skipped.append(pair.id)
                continue
            result.truncated += 1
        result.items.append(Example(pair.id, prompt, completion, tokens))
    return result


def _shorten(text: str, excess: int, tokenizer: Any) -> str | None:
    """The note cut at its end by `excess` tokens (plus a small margin), or None if too little would remain."""
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    keep = len(ids) - excess - 8
    if keep < _MIN_NOTE_TOKENS:
        return None
    return tokenizer.decode(ids[:keep])
