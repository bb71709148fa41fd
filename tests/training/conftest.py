"""Fixtures for the training tests: short formulaic pairs and a tiny chat model built offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.config import Settings, load_settings
from reportgen.data import Pair, write_pairs
from reportgen.generation.prompt import build_messages
from reportgen.layout import load_layout
from reportgen.pipeline import Pipeline
from reportgen.training.recipe import Recipe
from reportgen.training.run import TrainResult, train
from tests.training.tiny_model import build_tiny_model

_COMPLAINTS = ["knee pain", "a cough", "back pain", "headaches", "a rash", "ear pain", "chest tightness", "dizziness"]
_PLANS = ["order an x-ray", "start an inhaler", "refer to physical therapy", "check labs"]


def make_pairs(n: int = 16) -> list[Pair]:
    """Visit transcripts and their reports: the same shape every time, so a tiny model learns it in a few steps."""
    pairs = []
    for i in range(n):
        complaint, plan, days = _COMPLAINTS[i % len(_COMPLAINTS)], _PLANS[i % len(_PLANS)], 2 + i % 5
        note = (
            f"[doctor] what brings you in today?\n[patient] i have had {complaint} for {days} days.\n"
            f"[doctor] any fever?\n[patient] no fever.\n[doctor] on exam you look well. we will {plan}."
        )
        report = (
            f"CHIEF COMPLAINT\n{complaint.capitalize()}.\n\nHISTORY OF PRESENT ILLNESS\n"
            f"The patient reports {complaint} for {days} days. Denies fever.\n\n"
            f"PHYSICAL EXAM\nWell appearing.\n\nASSESSMENT AND PLAN\n{complaint.capitalize()}. We will {plan}."
        )
        pairs.append(Pair(id=f"p{i:02d}", note=note, report=report))
    return pairs


@pytest.fixture(scope="session")
def pairs_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pairs") / "pairs.jsonl"
    write_pairs(path, make_pairs())
    return path


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    torch.set_num_threads(1)
    system = build_messages("", [], load_layout("clinical-visit"))[0]["content"]
    corpus = [system, *(p.note + "\n" + p.report for p in make_pairs())] * 4
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "base", corpus)


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    """Settings with no user config or environment; the terminology index is shared by the session."""
    return load_settings(overrides={"data_dir": data_dir}, env={})


@pytest.fixture(scope="session")
def pipeline(settings: Settings) -> Pipeline:
    """One pipeline (de-identification, terminology) for the session; swap its generator with dataclasses.replace."""
    return Pipeline.from_settings(settings)


def quick_recipe(**changes: object) -> Recipe:
    """A few steps with a high learning rate: enough for the tiny model's loss to fall visibly."""
    values: dict[str, object] = {
        "name": "test",
        "max_length": 1024,
        "max_steps": 12,
        "eval_steps": 6,
        "logging_steps": 1,
        "batch_size": 4,
        "gradient_accumulation_steps": 1,
        "learning_rate": 2e-2,
        "warmup_steps": 0,
        "eval_fraction": 0.25,
        "lora": {"r": 8, "alpha": 16, "dropout": 0.0},
    }
    return Recipe.model_validate({**values, **changes})


@pytest.fixture(scope="session")
def lora_run(tmp_path_factory: pytest.TempPathFactory, pairs_file: Path, tiny_model: Path, settings: Settings) -> TrainResult:
    output = tmp_path_factory.mktemp("runs") / "lora"
    return train(pairs_file, str(tiny_model), output, quick_recipe(), settings, progress=False, say=lambda _: None)
