"""`reportgen generate` end to end through Click's runner and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.report import Report
from tests.conftest import SAMPLES


def run(*args: str, input: str | bytes | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def test_markdown_report_from_dialogue_sample():
    result = run("generate", str(SAMPLES / "annual-exam.txt"))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Clinical visit report")
    assert "## Chief complaint" in result.stdout
    assert "Extractive report" in result.stdout


def test_json_report_validates(tmp_path):
    out = tmp_path / "r.json"
    result = run("generate", str(SAMPLES / "back-pain-visit-note.txt"), "-o", str(out))
    assert result.exit_code == 0, result.output
    report = Report.model_validate_json(out.read_text())
    assert report.provenance.extractive
    assert report.section("chief_complaint").text == "Back pain."
    assert Report.model_validate_json(report.model_dump_json()) == report


def test_subprocess_python_m(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "reportgen", "generate", str(SAMPLES / "finger-pain.txt"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["provenance"]["generator"] == "extractive"
