"""`reportgen batch` over real sample notes and bad ones: outputs, manifest, exit status."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from reportgen import errors
from reportgen.batch import MANIFEST
from reportgen.outputs import LocalOutputs
from reportgen.report import EMPTY_REPORT, Report
from tests.batch.conftest import GOOD, run


def manifest(out: Path) -> dict[str, dict]:
    lines = (out / MANIFEST).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert len({r["input"] for r in records}) == len(records), "one line per note after a run"
    return {r["input"]: r for r in records}


def test_good_notes_become_reports_in_every_format(samples, tmp_path):
    out = tmp_path / "out"
    result = run("batch", str(samples), "-o", str(out), "--format", "md,json,html", "-j", "1")
    assert result.exit_code == 0, result.output
    assert f"{len(GOOD)} ok, 0 failed" in result.stdout
    records = manifest(out)
    for name in GOOD:
        stem = Path(name).stem
        record = records[name]
        assert record["status"] == "ok" and record["error"] is None
        assert record["outputs"] == [f"{stem}.md", f"{stem}.json", f"{stem}.html"]
        assert set(record["timings"]) >= {"read", "deid", "retrieve", "generate", "parse", "code", "render", "write"}
        assert record["versions"]["generator"] == "extractive" and record["versions"]["settings"]
        assert len(record["sha256"]) == 64
        report = Report.model_validate_json((out / f"{stem}.json").read_text())
        assert report.provenance.note_sha256 == record["sha256"]
        assert (out / f"{stem}.md").read_text().startswith("# ")
        assert "<html" in (out / f"{stem}.html").read_text().lower()


def test_bad_notes_are_recorded_with_a_reason_and_the_batch_goes_on(samples, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_MAX_BYTES", "20000")
    secret = "Zebediah Quux-Pemberton"  # stands for PHI in bad notes: must never reach the manifest or output
    (samples / "empty.txt").write_text("  \n\n")
    (samples / "binary.txt").write_bytes(b"\x00\x01PK\x03\x04" + secret.encode() + bytes(range(256)))
    (samples / "huge.txt").write_text((secret + " reports knee pain since monday. ") * 1000)
    (samples / "latin1.txt").write_bytes(f"Chief complaint: caf\xe9 au lait spots. {secret}\n".encode("cp1252"))
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(f"{secret} has chest pain.\n")
    (samples / "link-outside.txt").symlink_to(outside)
    (samples / "link-inside.txt").symlink_to(samples / GOOD[0])
    out = tmp_path / "out"

    result = run("batch", str(samples), "-o", str(out), "--format", "json", "-j", "1")

    assert result.exit_code == errors.PARTIAL, result.output
    records = manifest(out)
    expected = {
        "empty.txt": "empty.txt is empty.",
        "binary.txt": "binary.txt looks like a binary file, not a text note.",
        "huge.txt": "over the 20,000-byte limit",
        "link-outside.txt": "link-outside.txt is a symlink to a file outside the input folder.",
    }
    for name, message in expected.items():
        assert records[name]["status"] == "failed"
        assert message in records[name]["error"]
        assert records[name]["outputs"] == [] and not (out / f"{Path(name).stem}.json").exists()
    assert "4 failed" in result.stdout and "Failures by reason:" in result.stdout
    assert "note is N bytes, over the N-byte limit" in result.stdout  # grouped: no file names, no sizes
    # Non-UTF-8 is decoded as Windows-1252 by default, with a warning in the record.
    assert records["latin1.txt"]["status"] == "ok"
    assert "note was not valid UTF-8; decoded as Windows-1252" in records["latin1.txt"]["warnings"]
    assert records["link-inside.txt"]["status"] == "ok"
    for name in GOOD:
        assert records[name]["status"] == "ok"
    assert secret not in (out / MANIFEST).read_text()
    assert secret not in result.output


def test_non_utf8_is_refused_when_the_fallback_is_off(samples, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_ENCODING_FALLBACK", "false")
    (samples / "latin1.txt").write_bytes("caf\xe9 au lait spots on the back.\n".encode("cp1252"))
    result = run("batch", str(samples), "-o", str(tmp_path / "out"), "-j", "1")
    assert result.exit_code == errors.PARTIAL
    assert manifest(tmp_path / "out")["latin1.txt"]["error"] == "latin1.txt is not valid UTF-8."


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_note_is_recorded(samples, tmp_path):
    locked = samples / "locked.txt"
    locked.write_text("Chief complaint: cough.\n")
    locked.chmod(0)
    try:
        result = run("batch", str(samples), "-o", str(tmp_path / "out"), "-j", "1")
    finally:
        locked.chmod(0o600)
    assert result.exit_code == errors.PARTIAL
    assert "cannot read note file" in manifest(tmp_path / "out")["locked.txt"]["error"]


def test_recursive_glob_mirrors_folders_and_skips_links_out(samples, tmp_path):
    (samples / "ward3" / "bed2").mkdir(parents=True)
    (samples / "ward3" / "bed2" / "visit.note").write_text((samples / GOOD[0]).read_text())
    (samples / "ward3" / "skip.txt").write_text("not matched by the glob")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.note").write_text("Chief complaint: cough.\n")
    (samples / "linked-dir").symlink_to(elsewhere, target_is_directory=True)
    out = tmp_path / "out"

    result = run("batch", str(samples), "-o", str(out), "-r", "--glob", "*.note", "-j", "1")

    assert result.exit_code == 0, result.output
    assert list(manifest(out)) == ["ward3/bed2/visit.note"]
    assert (out / "ward3" / "bed2" / "visit.md").is_file()
    assert not (out / "linked-dir").exists()


def test_quiet_prints_no_progress_and_plain_lines_otherwise(samples, tmp_path):
    loud = run("batch", str(samples), "-o", str(tmp_path / "a"), "-j", "1")
    assert f"batch: {len(GOOD)}/{len(GOOD)} done, 0 failed" in loud.stderr
    quiet = run("-q", "batch", str(samples), "-o", str(tmp_path / "b"), "-j", "1")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_two_workers_give_the_same_reports(samples, tmp_path, monkeypatch):
    # Surrogates are drawn afresh for every note by design (no linkage between runs); tags are deterministic.
    monkeypatch.setenv("REPORTGEN_DEID_OPERATOR", "tag")
    for workers in ("1", "2"):
        assert run("batch", str(samples), "-o", str(tmp_path / workers), "-j", workers, "-f", "json").exit_code == 0
    for name in GOOD:
        one, two = (Report.model_validate_json((tmp_path / d / f"{Path(name).stem}.json").read_text()) for d in "12")
        assert one.model_dump(exclude={"provenance": {"created_at"}}) == two.model_dump(exclude={"provenance": {"created_at"}})
    assert {r["status"] for r in LocalOutputs(tmp_path / "2").read_manifest().values()} == {"ok"}


def test_refuses_an_existing_batch_without_resume_or_force(samples, tmp_path):
    out = tmp_path / "out"
    assert run("batch", str(samples), "-o", str(out), "-j", "1").exit_code == 0
    again = run("batch", str(samples), "-o", str(out), "-j", "1")
    assert again.exit_code == errors.USAGE and "--resume" in again.output
    assert run("batch", str(samples), "-o", str(out), "-j", "1", "--force").exit_code == 0


def test_empty_folder_and_missing_folder_are_input_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    result = run("batch", str(tmp_path / "empty"), "-o", str(tmp_path / "out"))
    assert result.exit_code == errors.INPUT and "no files matching '*.txt'" in result.output
    assert run("batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out2")).exit_code == errors.INPUT


def test_unknown_format_is_a_usage_error(samples, tmp_path):
    result = run("batch", str(samples), "-o", str(tmp_path / "out"), "--format", "md,pdf")
    assert result.exit_code == errors.USAGE and "pdf" in result.output


def test_an_empty_report_is_flagged_in_the_manifest_and_on_stderr(samples, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_NOTES_IDS", "opaque")  # the default: stderr names the note by its id
    small_talk = "Quux_Zebediah_MRN4417.txt"  # an identifying file name must not reach stderr
    (samples / small_talk).write_text("[doctor] hi .\n[patient] hello .\n[doctor] okay , bye .\n")
    out = tmp_path / "out"

    result = run("batch", str(samples), "-o", str(out), "--format", "md", "-j", "1")

    assert result.exit_code == 0, result.output  # a report was written: a warning, not a failure
    assert f"{len(GOOD) + 1} ok, 0 failed" in result.stdout
    records = manifest(out)
    flagged = records[small_talk]
    assert flagged["status"] == "ok" and EMPTY_REPORT in flagged["warnings"]
    assert f"_Warning: {EMPTY_REPORT}_" in (out / flagged["outputs"][0]).read_text()
    for name in GOOD:  # the other notes went on, not flagged
        assert records[name]["status"] == "ok" and EMPTY_REPORT not in records[name]["warnings"]
        assert (out / records[name]["outputs"][0]).is_file()
    assert f"Warning: 1 report(s) came out empty, nothing in the note recognised as clinical content: {flagged['note']} " in result.stderr
    assert "Zebediah" not in result.output
