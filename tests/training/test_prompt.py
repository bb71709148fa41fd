"""Training examples are built exactly as inference prompts are; over-long examples are reported."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from reportgen.data import Pair
from reportgen.generation import Draft
from reportgen.generation.model import load_model
from reportgen.generation.prompt import build_messages, prompt_token_ids, reference_draft
from reportgen.layout import Layout, load_layout
from reportgen.notes import Note
from reportgen.pipeline import Pipeline
from reportgen.report import Code
from reportgen.training.examples import build_examples
from reportgen.training.trainer import sft_trainer
from tests.training.conftest import make_pairs, quick_recipe


class PromptRecorder:
    """A generator that keeps the messages inference would send a model."""

    name = "recorder"

    def __init__(self) -> None:
        self.messages: list[list[dict[str, str]]] = []

    def generate(self, note_text: str, context: list[Code], layout: Layout) -> Draft:
        self.messages.append(build_messages(note_text, context, layout))
        return Draft(text="", generator="model")

    def generate_many(self, notes: Sequence[tuple[str, list[Code]]], layout: Layout) -> list[Draft]:
        return [self.generate(text, context, layout) for text, context in notes]


def test_training_prompt_equals_inference_prompt(tiny_model: Path, pipeline: Pipeline, tmp_path: Path) -> None:
    pair = make_pairs(1)[0]
    loaded = load_model(str(tiny_model))
    (example,) = build_examples([pair], pipeline, loaded.tokenizer, 1024, "truncate").items

    recorder = PromptRecorder()
    replace(pipeline, generator=recorder).run(Note(id=pair.id, text=pair.note, sha256="0" * 64))
    assert recorder.messages == [example.prompt]
    assert "Terminology that may apply" in example.prompt[1]["content"]  # retrieval really ran

    # ... and TRL tokenizes the training prompt to the ids the generator feeds the model.
    trainer = sft_trainer(loaded, [example], [], quick_recipe(), tmp_path, "cpu", progress=False, say=lambda _: None)
    labels = trainer.train_dataset[0]["labels"]
    prompt_length = next(i for i, label in enumerate(labels) if label != -100)
    ids = prompt_token_ids(loaded.tokenizer, recorder.messages[0])
    assert trainer.train_dataset[0]["input_ids"][:prompt_length] == ids


def test_reference_report_becomes_the_layout_draft_format() -> None:
    layout = load_layout("clinical-visit")
    report = "Seen today.\n\nCC:\n\nRight knee pain.\n\nHPI:\n\nTwo weeks of pain.\n\nPLAN\nPhysical therapy."
    assert reference_draft(report, layout) == (
        "CHIEF COMPLAINT\nRight knee pain.\n\nHISTORY OF PRESENT ILLNESS\nSeen today.\n\nTwo weeks of pain.\n\nPLAN\nPhysical therapy.\n"
    )


@pytest.mark.parametrize(("policy", "truncated", "skipped"), [("truncate", 1, []), ("skip", 0, ["long"])])
def test_over_long_examples_are_reported_and_handled_by_policy(
    tiny_model: Path, pipeline: Pipeline, policy: str, truncated: int, skipped: list[str]
) -> None:
    short = make_pairs(2)
    long = Pair(id="long", note="\n".join([short[0].note] * 40), report=short[0].report)
    tokenizer = load_model(str(tiny_model)).tokenizer
    examples = build_examples([*short, long], pipeline, tokenizer, 700, policy)
    assert (examples.overlong, examples.truncated, examples.skipped) == (1, truncated, skipped)
    assert examples.longest > 700 and all(e.tokens <= 700 for e in examples.items)
    assert examples.summary().startswith(f"1 of 3 examples were over max_length 700 (longest {examples.longest} tokens)")
