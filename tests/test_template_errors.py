"""User templates that fail: one line naming the template and line, never the note's text;
Markdown output keeps a note's HTML as text."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from reportgen.errors import InputError, UsageError

SECRET = "Zebediah Quux-Pemberton"
NOTE = f"Chief complaint: knee pain since {SECRET} visited.\n<script>alert(1)</script> Knee is swollen and tender today.\n"


@pytest.fixture
def note(tmp_path):
    path = tmp_path / "n.txt"
    path.write_text(NOTE)
    return path


@pytest.mark.parametrize(
    "body, fragment",
    [
        ("{% for i in range(10**8) %}{{ i }}{% endfor %}", "line 1: OverflowError while rendering."),
        ("{% for s in report.sections %}{{ s[s.text] }}{% endfor %}", "UndefinedError: 'reportgen.report.Section object' has no attribute '…'."),
        ("{{ report.sections[0].text | int(report.sections[0].text) }}{{ 1 / 0 }}", "ZeroDivisionError while rendering."),
    ],
)
def test_template_failures_never_quote_the_note(tmp_path, note, body, fragment):
    template = tmp_path / "t.md.j2"
    template.write_text(body + "\n")
    result = CliRunner().invoke(cli, ["generate", str(note), "--no-deid", "-t", str(template)], catch_exceptions=False)
    assert result.exit_code == errors.INPUT, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: template t.md.j2 ") and fragment in line, line
    assert "Quux" not in result.stderr and "knee" not in result.stderr.lower()


def test_messages_end_in_one_period():
    assert str(InputError("bad value 'x'..", "Fix it.")) == "bad value 'x'. Fix it."
    assert str(UsageError("wait...", "Fix it..")) == "wait... Fix it."


def test_markdown_keeps_html_from_the_note_as_text(note):
    result = CliRunner().invoke(cli, ["generate", str(note), "--format", "md"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "<script>" not in result.stdout and "&lt;script>alert(1)&lt;/script>" in result.stdout
