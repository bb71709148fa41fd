"""The shipped recipes and example pairs, and `reportgen train` end to end from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.data import read_pairs
from reportgen.errors import InputError, UsageError
from reportgen.training.recipe import load_recipe, parse_override
from tests.conftest import REPO

RECIPES = sorted((REPO / "training" / "recipes").glob("*.toml"))
EXAMPLE_PAIRS = REPO / "training" / "examples" / "aci-bench-3.jsonl"


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_shipped_recipes_load(path: Path) -> None:
    recipe = load_recipe(path)
    assert recipe.name == path.stem


def test_shipped_recipes_cover_lora_full_and_cpu() -> None:
    methods = {p.stem: load_recipe(p).method for p in RECIPES}
    assert methods == {"full": "full", "lora": "lora", "tiny-cpu": "lora"}


def test_overrides_are_typed_and_checked() -> None:
    recipe = load_recipe(RECIPES[0], dict(parse_override(s) for s in ["lora.r=4", "overlong=skip", "epochs=1.5"]))
    assert (recipe.lora.r, recipe.overlong, recipe.epochs) == (4, "skip", 1.5)
    with pytest.raises(UsageError, match="invalid recipe value 'overlong'"):
        load_recipe(None, {"overlong": "drop"})
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_override("lora.r")


def test_example_pairs_are_valid() -> None:
    assert [p.id for p in read_pairs(EXAMPLE_PAIRS)] == ["D2N001", "D2N002", "D2N003"]


def test_train_cli_with_the_tiny_cpu_recipe(tiny_model: Path, tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_DATA_DIR", str(data_dir))
    out = tmp_path / "run"
    args = ["train", "--data", str(EXAMPLE_PAIRS), "--base-model", str(tiny_model), "-o", str(out)]
    args += ["--recipe", str(REPO / "training/recipes/tiny-cpu.toml"), "--max-steps", "2", "--set", "max_length=4096"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "3 of 3 examples were over max_length 4096" in result.output  # the tiny tokenizer never saw these notes
    assert "Wrote lora model to" in result.output and "after 2 steps" in result.output
    card = json.loads((out / "reportgen-card.json").read_text())
    assert card["recipe"]["name"] == "tiny-cpu" and card["data"]["truncated"] + card["data"]["skipped"] == 3
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "already holds a run" in again.output


def test_shipped_recipes_by_name() -> None:
    assert load_recipe("tiny-cpu").name == "tiny-cpu"
    with pytest.raises(InputError, match=r"no recipe named 'tiny'.*tiny-cpu"):
        load_recipe("tiny")
