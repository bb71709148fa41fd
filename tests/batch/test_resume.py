"""Interrupted batches: a killed or Ctrl-C'd run leaves a usable manifest and whole files; --resume finishes it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from reportgen import errors
from reportgen.batch import MANIFEST
from reportgen.outputs import LocalOutputs
from reportgen.report import Report
from tests.batch.conftest import many_notes, run
from tests.batch.test_batch import manifest
from tests.conftest import REPO

COUNT = 120  # enough to interrupt mid-way; small enough to stay quick once de-identification runs


def start_batch(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen", "batch", str(src), "-o", str(out), "-f", "json", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def wait_for_lines(out: Path, proc: subprocess.Popen, lines: int, seconds: float = 600) -> None:
    """Until the manifest has `lines` lines; the bound only stops a hung run (returns as soon as they are there)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / MANIFEST).exists() and (out / MANIFEST).read_bytes().count(b"\n") >= lines:
            return
        time.sleep(0.02)
    raise AssertionError(f"the batch did not reach {lines} notes while running (rc={proc.poll()})")


def assert_whole_reports(out: Path) -> set[str]:
    """Every visible report is complete JSON; returns their names."""
    names = set()
    for path in out.glob("*.json"):
        Report.model_validate_json(path.read_text())
        names.add(path.name)
    return names


def kill_midway(src: Path, out: Path, lines: int, *extra: str) -> tuple[dict[str, dict], dict[str, int]]:
    """Start a batch and kill -9 it once `lines` notes are in its manifest. Returns the notes it finished
    (their reports checked whole) and their reports' mtimes, for checking that a resume leaves them alone."""
    proc = start_batch(src, out, *extra)
    wait_for_lines(out, proc, lines)
    proc.kill()
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the batch finished before it could be killed"
    done = {k: r for k, r in LocalOutputs(out).read_manifest().items() if r["status"] == "ok"}
    assert {Path(r["outputs"][0]).name for r in done.values()} <= assert_whole_reports(out)
    return done, {name: (out / r["outputs"][0]).stat().st_mtime_ns for name, r in done.items()}


def test_killed_run_resumes_without_redoing_finished_notes(tmp_path):
    src, out = many_notes(tmp_path / "in", COUNT), tmp_path / "out"
    done, mtimes = kill_midway(src, out, 20, "-j", "1")
    assert 20 <= len(done) < COUNT

    result = run("batch", str(src), "-o", str(out), "-f", "json", "--resume", "-j", "1")

    assert result.exit_code == 0, result.output
    assert f"{len(done)} already done" in result.stdout
    assert f"{COUNT - len(done)} ok, 0 failed" in result.stdout
    records = manifest(out)
    assert len(records) == COUNT and {r["status"] for r in records.values()} == {"ok"}
    assert len(assert_whole_reports(out)) == COUNT
    assert not list(out.glob(".*.tmp"))
    assert all((out / done[name]["outputs"][0]).stat().st_mtime_ns == mtime for name, mtime in mtimes.items())


def test_ctrl_c_finishes_notes_in_flight_then_resume_completes(tmp_path):
    src, out = many_notes(tmp_path / "in", COUNT), tmp_path / "out"
    proc = start_batch(src, out, "-j", "2")
    wait_for_lines(out, proc, 20)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == errors.INTERRUPTED, stderr.decode()
    assert b"--resume" in stderr
    # The manifest was compacted on the way out: whole lines, one per finished note, each with its file.
    lines = (out / MANIFEST).read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert 20 <= len(records) < COUNT
    assert {Path(r["outputs"][0]).name for r in records} == assert_whole_reports(out)

    result = run("batch", str(src), "-o", str(out), "-f", "json", "--resume", "-j", "2")
    assert result.exit_code == 0, result.output
    assert f"{len(records)} already done" in result.stdout
    assert len(manifest(out)) == COUNT


def test_resume_redoes_failed_changed_and_resettled_notes(tmp_path):
    src, out = many_notes(tmp_path / "in", 4), tmp_path / "out"
    (src / "empty.txt").write_text("")
    assert run("batch", str(src), "-o", str(out), "-f", "json", "-j", "1").exit_code == errors.PARTIAL

    (src / "empty.txt").write_text("Chief complaint: cough for two weeks.\n")
    (src / "note-0001.txt").write_text((src / "note-0001.txt").read_text() + "Follow up in a week.\n")
    result = run("batch", str(src), "-o", str(out), "-f", "json", "--resume", "-j", "1")
    assert result.exit_code == 0, result.output
    assert "2 ok, 0 failed, 3 already done" in result.stdout

    # Other settings (another format) make every note stale.
    result = run("batch", str(src), "-o", str(out), "-f", "json,md", "--resume", "-j", "1")
    assert "5 ok, 0 failed, 0 already done" in result.stdout
