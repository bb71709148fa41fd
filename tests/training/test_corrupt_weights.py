"""A truncated model.safetensors is a one-line error, not an internal one."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from tests.conftest import SAMPLES


def test_truncated_weights_are_one_line(tiny_model, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    result = CliRunner().invoke(cli, ["generate", str(SAMPLES / "finger-pain.txt"), "--model", str(broken)], catch_exceptions=False)
    assert result.exit_code == errors.RUNTIME, result.output
    assert result.stderr.strip().splitlines()[-1] == f"Error: the weights of {broken} are corrupt or incomplete. Copy or export the model again."
