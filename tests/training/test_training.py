"""Real TRL runs on the tiny model: LoRA, eval loss, resume, full fine-tuning, the model card."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from reportgen.config import Settings
from reportgen.errors import ReportgenError, UsageError
from reportgen.generation.card import CARD_FILE, read_card
from reportgen.generation.prompt import PROMPT_FORMAT
from reportgen.training.run import TrainResult, train
from tests.training.conftest import quick_recipe


def _losses(result: TrainResult) -> list[float]:
    return [entry["loss"] for entry in result.log_history if "loss" in entry]


def test_lora_training_loss_decreases(lora_run: TrainResult) -> None:
    losses = _losses(lora_run)
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3 - 0.5


def test_eval_loss_is_reported(lora_run: TrainResult) -> None:
    evals = [entry["eval_loss"] for entry in lora_run.log_history if "eval_loss" in entry]
    assert len(evals) >= 2 and evals[-1] < evals[0]
    assert lora_run.card.metrics["eval_loss"] == pytest.approx(evals[-1])


def test_run_directory_is_a_self_describing_model(lora_run: TrainResult, pairs_file: Path, tiny_model: Path) -> None:
    out = lora_run.output
    assert (out / "adapter_model.safetensors").is_file() and (out / "adapter_config.json").is_file()
    assert (out / "tokenizer.json").is_file() and (out / "recipe.json").is_file()
    assert not list(out.glob("*.bin")), "weights and arguments are never pickled into the model directory"
    card = read_card(out)
    assert card == lora_run.card
    assert card.base_model == str(tiny_model.resolve())
    assert card.method == "lora" and card.prompt_format == PROMPT_FORMAT and card.layout == "clinical-visit"
    assert card.data.sha256 == hashlib.sha256(pairs_file.read_bytes()).hexdigest()
    assert (card.data.pairs, card.data.train, card.data.eval) == (16, 12, 4)
    assert card.terminology_index  # the coding stage's index description
    assert {"torch", "transformers", "trl", "peft", "datasets", "reportgen"} <= card.libraries.keys()
    assert card.recipe["lora"]["r"] == 8 and json.loads((out / "recipe.json").read_text())["max_steps"] == 12
    readme = (out / "README.md").read_text()
    assert PROMPT_FORMAT in readme and "eval_loss" in readme
    assert json.loads((out / CARD_FILE).read_text())["deid_policy"] == card.deid_policy


def test_resume_continues_from_the_checkpoint(tmp_path: Path, pairs_file: Path, tiny_model: Path, settings: Settings) -> None:
    output = tmp_path / "run"
    first = train(pairs_file, str(tiny_model), output, quick_recipe(max_steps=4, eval_steps=2), settings, progress=False, say=lambda _: None)
    assert first.global_step == 4 and (output / "checkpoints" / "checkpoint-4").is_dir()
    with pytest.raises(UsageError, match="--resume"):
        train(pairs_file, str(tiny_model), output, quick_recipe(max_steps=6), settings, progress=False, say=lambda _: None)
    resumed = train(
        pairs_file, str(tiny_model), output, quick_recipe(max_steps=6, eval_steps=2), settings, resume=True, progress=False, say=lambda _: None
    )
    assert resumed.global_step == 6
    steps = [entry["step"] for entry in resumed.log_history if "loss" in entry]
    assert steps == [1, 2, 3, 4, 5, 6]  # steps 1-4 come from the checkpoint's state, 5-6 were trained now
    assert _losses(resumed)[:4] == _losses(first)


def test_resume_without_a_checkpoint_is_refused(tmp_path: Path, pairs_file: Path, tiny_model: Path, settings: Settings) -> None:
    with pytest.raises(UsageError, match="no checkpoint"):
        train(pairs_file, str(tiny_model), tmp_path / "new", quick_recipe(), settings, resume=True, progress=False, say=lambda _: None)


def test_examples_that_cannot_fit_are_refused_with_the_numbers(tmp_path: Path, pairs_file: Path, tiny_model: Path, settings: Settings) -> None:
    with pytest.raises(UsageError, match=r"no example fits max_length 40 \(longest \d+ tokens\)"):
        train(pairs_file, str(tiny_model), tmp_path / "r", quick_recipe(max_length=40), settings, progress=False, say=lambda _: None)


def test_resume_with_other_data_is_refused(tmp_path: Path, pairs_file: Path, tiny_model: Path, settings: Settings, lora_run: TrainResult) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(pairs_file.read_text().replace("\n", "\n\n", 1))  # same pairs, other bytes
    with pytest.raises(UsageError, match=r"is not what the run in .* started with"):
        train(other, str(tiny_model), lora_run.output, quick_recipe(), settings, resume=True, progress=False, say=lambda _: None)


def test_a_failed_run_leaves_no_empty_folder(tmp_path: Path, pairs_file: Path, settings: Settings) -> None:
    output = tmp_path / "runs" / "new"
    with pytest.raises(ReportgenError):
        train(pairs_file, str(tmp_path / "no-such-model"), output, quick_recipe(), settings, progress=False, say=lambda _: None)
    assert not output.exists()
