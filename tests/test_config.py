from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.config import load_settings
from reportgen.errors import UsageError


def test_precedence_flag_over_env_over_file(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[notes]\nmax_bytes = 10\nencoding_fallback = false\n[generate]\nlayout = "from-file"\n')
    env = {"REPORTGEN_NOTES_MAX_BYTES": "20", "REPORTGEN_GENERATE_LAYOUT": "from-env"}
    settings = load_settings(config, {"notes.max_bytes": 30, "generate.layout": None}, env=env)
    assert settings.notes.max_bytes == 30  # flag
    assert settings.generate.layout == "from-env"  # env (the flag was not given)
    assert settings.notes.encoding_fallback is False  # file


def test_config_file_from_env(tmp_path, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text("[notes]\nmax_bytes = 123\n")
    monkeypatch.setenv("REPORTGEN_CONFIG", str(config))
    assert load_settings().notes.max_bytes == 123


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("[notes\n", "not valid TOML"), ("[notes]\nmax_bytes = -1\n", "notes.max_bytes"), ("[nope]\nx = 1\n", "nope")],
)
def test_bad_config_files(tmp_path, content, fragment):
    config = tmp_path / "c.toml"
    config.write_text(content)
    with pytest.raises(UsageError, match=fragment.replace(".", r"\.")):
        load_settings(config, env={})


def test_missing_config_file(tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "none.toml"), "config"])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_config_command_shows_merged_settings(monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_MAX_BYTES", "777")
    result = CliRunner().invoke(cli, ["config"])
    assert result.exit_code == 0
    assert '"max_bytes": 777' in result.stdout
