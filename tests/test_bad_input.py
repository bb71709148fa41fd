"""Every bad input gets one clear line on stderr, the right exit code, and no output file."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from tests.conftest import SAMPLES

SAMPLE = str(SAMPLES / "annual-exam.txt")


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def assert_one_line_error(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def test_missing_file(tmp_path):
    assert_one_line_error(invoke("generate", str(tmp_path / "nope.txt")), errors.INPUT, "does not exist")


def test_directory_as_note(tmp_path):
    assert_one_line_error(invoke("generate", str(tmp_path)), errors.INPUT, "is a folder", "reportgen batch")


@pytest.mark.parametrize("content", [b"", b"   \n\t\n  "], ids=["empty", "whitespace"])
def test_empty_notes(tmp_path, content):
    note = tmp_path / "n.txt"
    note.write_bytes(content)
    assert_one_line_error(invoke("generate", str(note)), errors.INPUT, "is empty")


def test_empty_stdin():
    assert_one_line_error(invoke("generate", "-", input=b""), errors.INPUT, "stdin is empty")


def test_binary_file(tmp_path):
    note = tmp_path / "scan.txt"
    note.write_bytes(bytes(range(256)) * 20)
    assert_one_line_error(invoke("generate", str(note)), errors.INPUT, "binary")


def test_non_utf8_decoded_with_warning(tmp_path):
    note = tmp_path / "latin.txt"
    note.write_bytes("CHIEF COMPLAINT\nCaf\xe9 au lait spots, 5 cm.\n".encode("cp1252"))
    result = invoke("generate", str(note))
    assert result.exit_code == 0, result.output
    assert "Café au lait" in result.stdout
    assert "Warning: note was not valid UTF-8" in result.stderr


def test_non_utf8_refused_when_fallback_off(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_ENCODING_FALLBACK", "false")
    note = tmp_path / "latin.txt"
    note.write_bytes("Caf\xe9 au lait spots\n".encode("cp1252"))
    assert_one_line_error(invoke("generate", str(note)), errors.INPUT, "not valid UTF-8")


def test_five_megabyte_note_over_limit(tmp_path):
    note = tmp_path / "huge.txt"
    note.write_text("Patient reports knee pain. " * 200_000)  # 5.4 MB
    assert_one_line_error(invoke("generate", str(note)), errors.INPUT, "over the", "REPORTGEN_NOTES_MAX_BYTES")


def test_five_megabyte_stdin_over_limit():
    assert_one_line_error(invoke("generate", "-", input=b"knee pain. " * 500_000), errors.INPUT, "over the")


def test_unknown_format():
    result = invoke("generate", SAMPLE, "--format", "pdf")
    assert result.exit_code == errors.USAGE
    assert "'pdf' is not one of" in result.stderr


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("# {{ report.title }\n", "line 1"),
        ("ok\n{{ report.no_such_field }}\n", "line 2"),
        ("{{ report.__class__.__mro__ }}\n", "unsafe"),
    ],
    ids=["syntax", "undefined", "sandbox"],
)
def test_broken_user_template(tmp_path, template, fragment):
    path = tmp_path / "mine.md.j2"
    path.write_text(template)
    out = tmp_path / "r.md"
    result = invoke("generate", SAMPLE, "--template", str(path), "-o", str(out))
    assert_one_line_error(result, errors.INPUT, "mine.md.j2", fragment)
    assert not out.exists()


def test_output_in_missing_directory(tmp_path):
    out = tmp_path / "missing" / "r.md"
    assert_one_line_error(invoke("generate", SAMPLE, "-o", str(out)), errors.USAGE, "does not exist")


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "r.md"
    out.write_text("keep me")
    assert_one_line_error(invoke("generate", SAMPLE, "-o", str(out)), errors.USAGE, "--force")
    assert out.read_text() == "keep me"
    assert invoke("generate", SAMPLE, "-o", str(out), "--force").exit_code == 0
    assert out.read_text().startswith("# Clinical visit report")


def test_bad_config_value(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_MAX_BYTES", "lots")
    assert_one_line_error(invoke("generate", SAMPLE), errors.USAGE, "notes.max_bytes")


def test_debug_shows_traceback(tmp_path):
    result = invoke("--debug", "generate", str(tmp_path / "nope.txt"))
    assert result.exit_code != 0
    assert result.exception is not None and "does not exist" in str(result.exception)
