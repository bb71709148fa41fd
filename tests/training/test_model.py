"""The model-backed generator: run dirs, merged exports, plain transformers, refusals, malformed output."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import GenerateSettings, Settings
from reportgen.errors import InputError, RuntimeFailure, UsageError
from reportgen.generation import Draft, load_generator
from reportgen.generation.card import CARD_FILE, card_hash
from reportgen.generation.model import ModelGenerator, load_model
from reportgen.generation.prompt import PROMPT_FORMAT
from reportgen.layout import load_layout
from reportgen.notes import Note
from reportgen.pipeline import Pipeline
from reportgen.training.run import TrainResult, train
from tests.training.conftest import make_pairs, quick_recipe

NOTE = make_pairs(1)[0].note


def test_run_directory_reloads_and_generates(lora_run: TrainResult, pipeline: Pipeline) -> None:
    generator = load_generator(GenerateSettings(model=str(lora_run.output), max_new_tokens=48))
    assert isinstance(generator, ModelGenerator)
    result = replace(pipeline, generator=generator).run(Note(id="n1", text=NOTE, sha256="0" * 64))
    provenance = result.report.provenance
    assert (provenance.generator, provenance.extractive) == ("model", False)
    assert provenance.model_id == str(lora_run.output)
    assert provenance.model_version == card_hash(lora_run.output)
    assert provenance.prompt_format == PROMPT_FORMAT
    assert [s.id for s in result.report.sections][:2] == ["chief_complaint", "hpi"]


def test_generate_many_batches_notes_like_one_at_a_time(lora_run: TrainResult) -> None:
    generator = ModelGenerator(load_model(str(lora_run.output)), max_new_tokens=24, batch_size=3)
    layout = load_layout("clinical-visit")
    notes = [(p.note, []) for p in make_pairs(3)]
    drafts = generator.generate_many(notes, layout)
    assert [d.text for d in drafts] == [generator.generate(text, [], layout).text for text, _ in notes]


def test_merged_export_loads_with_plain_transformers(lora_run: TrainResult, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    out = tmp_path / "merged"
    result = CliRunner().invoke(cli, ["export", str(lora_run.output), "--merge", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(out)
    adapted = load_model(str(lora_run.output)).model
    ids = torch.tensor([[5, 17, 42, 99, 7]])
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, adapted(ids).logits, atol=1e-4)
    card = json.loads((out / CARD_FILE).read_text())
    assert card["method"] == "merged" and card["base_model"] == lora_run.card.base_model


def test_full_fine_tune_recipe_runs_and_reloads(tmp_path: Path, pairs_file: Path, tiny_model: Path, settings: Settings) -> None:
    run = train(pairs_file, str(tiny_model), tmp_path / "full", quick_recipe(method="full", max_steps=3, learning_rate=1e-3), settings, progress=False, say=lambda _: None)
    assert run.card.method == "full" and (run.output / "model.safetensors").is_file()
    assert not (run.output / "adapter_config.json").exists()
    draft = ModelGenerator(load_model(str(run.output)), max_new_tokens=8).generate(NOTE, [], load_layout("clinical-visit"))
    assert draft.model_version == card_hash(run.output)


def test_a_card_with_another_prompt_format_is_refused(lora_run: TrainResult, tmp_path: Path) -> None:
    copy = tmp_path / "old"
    shutil.copytree(lora_run.output, copy, ignore=shutil.ignore_patterns("checkpoints"))
    card = json.loads((copy / CARD_FILE).read_text())
    (copy / CARD_FILE).write_text(json.dumps({**card, "prompt_format": "reportgen-chat-0"}))
    with pytest.raises(UsageError, match="prompt format 'reportgen-chat-0'"):
        load_model(str(copy))


def test_a_missing_hub_model_says_it_is_not_available_locally() -> None:
    with pytest.raises(RuntimeFailure, match="not available locally"):
        load_model("reportgen-test/no-such-model")


def test_a_missing_model_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_model(str(tmp_path / "nope" / "model"))


def test_pickled_weights_are_refused(tiny_model: Path, tmp_path: Path) -> None:
    from transformers import AutoModelForCausalLM

    legacy = tmp_path / "legacy"
    shutil.copytree(tiny_model, legacy)
    (legacy / "model.safetensors").unlink()
    torch.save(AutoModelForCausalLM.from_pretrained(tiny_model).state_dict(), legacy / "pytorch_model.bin")
    with pytest.raises(RuntimeFailure, match="safetensors"):
        load_model(str(legacy))


def test_a_report_cut_off_at_max_new_tokens_is_parsed_with_a_warning(tiny_model: Path, pipeline: Pipeline) -> None:
    generator = ModelGenerator(load_model(str(tiny_model)), max_new_tokens=4)
    report = replace(pipeline, generator=generator).run(Note(id="n1", text=NOTE, sha256="0" * 64)).report
    assert any("max_new_tokens (4)" in w for w in report.provenance.warnings)
    assert report.provenance.model_version is None  # a plain model directory has no card


@pytest.mark.parametrize(
    ("text", "warning", "documented"),
    [
        ("", "the draft was empty", []),
        # prose without headers is kept whole under the fallback section, never dropped
        ("lorem ipsum dolor sit amet, garbage all the way", "no recognisable section headers; its whole text was kept under History", ["hpi"]),
        ("CHIEF COMPLAINT\nKnee pain.\n", "not documented: History of present illness", ["chief_complaint"]),
        ("CHIEF COMPLAINT\nKnee pain.\n\nHISTORY OF PRESENT ILLNESS\nThe patient reports knee pa", None, ["chief_complaint", "hpi"]),
        ("Sure! Here is the report.\nCHIEF COMPLAINT\nCough.\n\nPLAN\nRest.", "text before the first section header was kept", ["chief_complaint", "hpi", "plan"]),
    ],
)
def test_malformed_model_output_never_crashes(pipeline: Pipeline, text: str, warning: str | None, documented: list[str]) -> None:
    note = Note(id="n1", text=NOTE, sha256="0" * 64)
    draft = Draft(text=text, generator="model", model_id="m", prompt_format=PROMPT_FORMAT)
    report = pipeline.finish(pipeline.prepare([note]), [draft])[0].report
    assert [s.id for s in report.sections if s.documented] == documented
    assert {"chief_complaint", "hpi"} <= {s.id for s in report.sections}  # required sections are always there
    if warning:
        assert any(warning in w for w in report.provenance.warnings)


def test_generate_cli_with_a_model(lora_run: TrainResult, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_DATA_DIR", str(data_dir))
    note = tmp_path / "visit.txt"
    note.write_text(NOTE)
    result = CliRunner().invoke(
        cli, ["generate", str(note), "--model", str(lora_run.output), "--max-new-tokens", "32", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["provenance"]["generator"] == "model" and report["provenance"]["prompt_format"] == PROMPT_FORMAT
