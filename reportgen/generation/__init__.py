"""Generators turn a de-identified note (plus retrieved terminology) into a draft.

A draft is text in the layout's section format (`Layout.format_draft`), the
same format a fine-tuned model is trained to write, so every generator's
output goes through one parser (`generation.parse`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reportgen.config import EsSettings, GenerateSettings
from reportgen.layout import Layout
from reportgen.report import Code


@dataclass
class Draft:
    text: str
    generator: str  # the generator's name: "extractive", "model", ...
    model_id: str | None = None
    model_version: str | None = None
    prompt_format: str | None = None
    warnings: list[str] = field(default_factory=list)
    new_tokens: int | None = None  # tokens a model wrote (None: not a model)

    @property
    def extractive(self) -> bool:
        """Copied from the note rather than written: every generator but a language model's."""
        return self.generator != "model"


class Generator(Protocol):
    """What the pipeline calls. `generate_many` is the one it uses (a model batches notes;
    a model-free generator maps `generate` over them)."""

    name: str

    def generate(self, note_text: str, context: list[Code], layout: Layout) -> Draft:
        """Write a draft for one de-identified note."""
        ...

    def generate_many(self, notes: Sequence[tuple[str, list[Code]]], layout: Layout) -> list[Draft]:
        """Drafts for several de-identified notes, each with its retrieved terms, in order."""
        ...


def load_generator(settings: GenerateSettings, threads: int = 1, es: EsSettings | None = None) -> Generator:
    """The extractive generator unless a model is configured (run with `threads` torch threads;
    `es`: the connection, for a worked-example archive indexed in Elasticsearch)."""
    if settings.examples is not None and not settings.model:
        from reportgen.errors import UsageError

        raise UsageError("worked examples (--examples / generate.examples) go into a model's prompt.", "Pass --model too.")
    if settings.model:
        from reportgen.generation.model import ModelGenerator

        return ModelGenerator.from_settings(settings, threads, es)
    from reportgen.generation.extractive import ExtractiveGenerator

    return ExtractiveGenerator.from_path(settings.extractive_model)
