"""`reportgen model import` on real files: a model directory, a base model without a chat template,
GGUF and package sources the other commands refuse with a one-line fix, and the threads setting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.errors import UsageError
from reportgen.generation.importing import (
    IMPORT_CARD,
    import_model,
    read_import_card,
    resolve_source,
    source_hint,
)
from reportgen.generation.model import load_model


def _without_chat_template(model: Path, where: Path) -> Path:
    """A copy of the tiny model as a base model: no chat template anywhere."""
    shutil.copytree(model, where)
    (where / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((where / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (where / "tokenizer_config.json").write_text(json.dumps(config))
    return where


def test_a_model_directory_imports_to_safetensors_with_a_card(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "imported"
    result = CliRunner().invoke(cli, ["model", "import", str(tiny_model), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "model.safetensors").is_file() and (out / "README.md").is_file()
    card = read_import_card(out)
    assert card is not None and (card.kind, card.chat_template, card.model_type) == ("directory", "model", "llama")
    assert card.source == tiny_model.name  # a name, never the user's full path
    loaded = load_model(str(out))
    assert loaded.tokenizer.chat_template


def test_a_base_model_without_chat_template_is_a_usage_error_until_one_is_given(tiny_model: Path, tmp_path: Path) -> None:
    base = _without_chat_template(tiny_model, tmp_path / "base")
    refused = CliRunner().invoke(cli, ["model", "import", str(base), "-o", str(tmp_path / "out")])
    assert refused.exit_code == 2 and "no chat template" in refused.output and "--chat-template plain" in refused.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(UsageError, match="no chat template"):
        load_model(str(base))  # train/generate say the same, never "internal error"
    done = CliRunner().invoke(cli, ["model", "import", str(base), "--chat-template", "plain", "-o", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    loaded = load_model(str(tmp_path / "out"))
    prompt = loaded.tokenizer.apply_chat_template([{"role": "user", "content": "hello"}], add_generation_prompt=True, tokenize=False)
    assert prompt.endswith("### Assistant\n") and "### User\nhello" in prompt
    assert read_import_card(tmp_path / "out").chat_template == "plain"


def test_gguf_files_and_packages_are_refused_by_train_and_generate_with_the_import_command(tmp_path: Path) -> None:
    gguf = tmp_path / "model.Q4_0.gguf"
    gguf.write_bytes(b"GGUF not really")
    assert "reportgen model import" in (source_hint(str(gguf)) or "")
    assert "reportgen model import" in (source_hint(str(tmp_path)) or "")  # a folder holding only a GGUF
    assert "reportgen model import" in (source_hint("pytest") or "")  # an installed package name
    assert source_hint(str(tmp_path / "absent")) is None
    result = CliRunner().invoke(cli, ["generate", "--model", str(gguf), "-"], input="hello")
    assert result.exit_code == 2 and "reportgen model import" in result.output and "Traceback" not in result.output


def test_a_gguf_whose_hash_differs_is_refused_before_loading(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF not really")
    result = CliRunner().invoke(cli, ["model", "import", str(gguf), "--sha256", "0" * 64, "-o", str(tmp_path / "out")])
    assert result.exit_code == 3 and "does not match the given sha256" in result.output
    assert not (tmp_path / "out").exists()


def test_unusable_sources_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    for source, code, message in [
        (str(tmp_path / "notes.txt"), 3, "is not a GGUF file"),
        (str(tmp_path / "no-such-thing"), 3, "not a file, a folder or an installed Python package"),
        (str(tmp_path), 3, "holds no model"),
    ]:
        result = CliRunner().invoke(cli, ["model", "import", source, "-o", str(tmp_path / "out")])
        assert result.exit_code == code and message in result.output, result.output


def test_a_package_file_is_checked_against_its_record(monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed package's model file must match its RECORD hash (click's core.py stands in for a
    model file here; the slow test imports the real model package)."""
    from reportgen.generation import importing

    monkeypatch.setattr(importing, "GGUF_SUFFIX", "core.py")
    found = resolve_source("click")
    assert found.path.name == "core.py" and found.package == "click"
    monkeypatch.setattr(importing, "sha256_file", lambda path: "0" * 64)
    with pytest.raises(importing.RuntimeFailure, match="does not match its RECORD hash"):
        resolve_source("click")


def test_an_output_that_holds_files_is_kept_without_force(tiny_model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(UsageError, match="not empty"):
        import_model(str(tiny_model), out)
    assert (out / "keep.txt").is_file() and not (out / IMPORT_CARD).exists()


def test_threads_default_to_one_per_process_and_are_a_setting() -> None:
    import torch

    from reportgen.config import load_settings
    from reportgen.runtime import set_threads

    assert load_settings(env={}).threads == 1
    assert load_settings(env={"REPORTGEN_THREADS": "2"}).threads == 2
    before = torch.get_num_threads()
    try:
        set_threads(2)
        assert torch.get_num_threads() == 2
        set_threads(0)  # 0 leaves torch alone
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
