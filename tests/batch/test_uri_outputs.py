"""`reportgen batch -o URI`: reports and manifest through fsspec (memory:// here, in this process;
tests/batch/test_ray.py writes to a file:// URI from Ray actors), resume, and one-line errors."""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import time
import uuid
from pathlib import PurePosixPath

import fsspec
import pytest

from reportgen import errors
from reportgen.outputs import MANIFEST, PARTS, open_outputs
from tests.batch.conftest import GOOD, many_notes, run
from tests.batch.test_batch import manifest
from tests.batch.test_ray import CREATED, add_bad_notes
from tests.batch.test_resume import assert_whole_reports
from tests.conftest import REPO


@pytest.fixture
def memory_uri():
    """A fresh memory:// folder (the memory filesystem is shared by the whole test process)."""
    root = f"/reportgen-test-{uuid.uuid4().hex[:8]}"
    yield f"memory://{root}"
    fs = fsspec.filesystem("memory")
    if fs.exists(root):
        fs.rm(root, recursive=True)


def test_batch_to_a_uri_writes_what_a_folder_gets_and_resumes(samples, tmp_path, memory_uri, monkeypatch):
    monkeypatch.setenv("REPORTGEN_DEID_OPERATOR", "tag")  # deterministic reports, to compare
    add_bad_notes(samples, tmp_path / "elsewhere.txt")
    folder = tmp_path / "folder"
    by_folder = run("batch", str(samples), "-o", str(folder), "-f", "md,json", "-j", "1")
    by_uri = run("batch", str(samples), "-o", memory_uri, "-f", "md,json", "-j", "1")

    assert by_folder.exit_code == by_uri.exit_code == errors.PARTIAL, by_uri.output
    assert f"Manifest: {memory_uri}/{MANIFEST}" in by_uri.stdout
    fs, root = fsspec.core.url_to_fs(memory_uri)
    written = sorted(path[len(root) + 1 :] for path in fs.find(root))
    assert written == sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())  # no parts left
    for name in written:
        if name.endswith(".md"):
            assert CREATED.sub("", fs.cat_file(f"{root}/{name}").decode()) == CREATED.sub("", (folder / name).read_text())
    ours = manifest(folder)
    theirs = {r["input"]: r for r in map(json.loads, fs.cat_file(f"{root}/{MANIFEST}").decode().splitlines())}
    assert {k: {**r, "timings": None, "finished_at": None} for k, r in ours.items()} == {
        k: {**r, "timings": None, "finished_at": None} for k, r in theirs.items()}

    # Resume: a missing report is redone, the rest are left alone.
    fs.rm_file(f"{root}/{theirs[GOOD[0]]['outputs'][0]}")
    resumed = run("batch", str(samples), "-o", memory_uri, "-f", "md,json", "-j", "1", "--resume")
    assert f"1 ok, 3 failed, {len(GOOD) - 1} already done" in resumed.stdout, resumed.output
    assert fs.exists(f"{root}/{theirs[GOOD[0]]['outputs'][0]}")


def test_a_killed_runs_manifest_parts_are_read_back_and_absorbed(memory_uri):
    outputs = open_outputs(memory_uri)
    outputs.prepare()
    outputs.write_manifest({"a.txt": {"input": "a.txt", "status": "failed"}})
    with outputs.journal() as add:  # the run then dies: its parts stay
        add(json.dumps({"input": "a.txt", "status": "ok"}))
        add(json.dumps({"input": "b.txt", "status": "ok"}))
    fs, root = fsspec.core.url_to_fs(memory_uri)
    fs.pipe_file(f"{root}/{PARTS}/part-99999999999999999999-x-000000.jsonl", b'{"input": "c.txt", "st')  # torn

    again = open_outputs(memory_uri)
    records = again.read_manifest()
    assert {k: r["status"] for k, r in records.items()} == {"a.txt": "ok", "b.txt": "ok"}
    again.write_manifest(records)
    assert not fs.exists(f"{root}/{PARTS}") or not fs.find(f"{root}/{PARTS}")
    assert len(fs.cat_file(f"{root}/{MANIFEST}").decode().splitlines()) == 2


def test_writes_to_a_filesystem_uri_go_through_a_hidden_temp_file(tmp_path):
    outputs = open_outputs((tmp_path / "out").as_uri())
    outputs.prepare()
    (tmp_path / "out" / ".a.md.1234abcd.tmp").write_text("half a rep")  # left by a killed run
    outputs.write(PurePosixPath("ward/a.md"), "# Report\n")
    assert (tmp_path / "out" / "ward" / "a.md").read_text() == "# Report\n"
    outputs.remove_stale_temp_files()
    assert sorted(p.name for p in (tmp_path / "out").rglob("*")) == ["a.md", "ward"]


@pytest.mark.parametrize(("target", "code", "message"), [
    ("nosuch://bucket/reports", errors.USAGE, "Error: unknown output location scheme 'nosuch://'."),
    ("s3://bucket/reports", errors.RUNTIME, "Error: writing to s3:// needs a package that is not installed (Install s3fs to access S3)."),
])
def test_a_scheme_that_cannot_be_written_is_a_one_line_error(samples, target, code, message):
    if target.startswith("s3:") and importlib.util.find_spec("s3fs"):
        pytest.skip("s3fs is installed here")
    result = run("batch", str(samples), "-o", target)
    assert result.exit_code == code
    assert result.stderr.startswith(message) and len(result.stderr.splitlines()) == 1, result.stderr


def test_memory_outputs_refuse_other_processes(samples, memory_uri):
    result = run("batch", str(samples), "-o", memory_uri, "-j", "2")
    assert result.exit_code == errors.USAGE
    assert "lives inside this process; workers and Ray actors cannot write to it" in result.stderr


@pytest.mark.slow  # a subprocess killed mid-run, then the resume (~30-60 s)
def test_a_killed_run_to_a_uri_resumes_from_its_manifest_parts(tmp_path):
    count = 40
    src, out = many_notes(tmp_path / "in", count), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "reportgen", "batch", str(src), "-o", out.as_uri(), "-f", "json", "-j", "1"],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while proc.poll() is None and time.monotonic() < deadline and not list((out / PARTS).glob("part-*.jsonl")):
        time.sleep(0.05)
    proc.kill()
    assert proc.wait(timeout=30) == -signal.SIGKILL, "the batch finished before it could be killed"
    done = {k for k, r in open_outputs(out.as_uri()).read_manifest().items() if r["status"] == "ok"}
    assert 1 <= len(done) < count

    result = run("batch", str(src), "-o", out.as_uri(), "-f", "json", "--resume", "-j", "1")

    assert result.exit_code == 0, result.output
    assert f"{count - len(done)} ok, 0 failed, {len(done)} already done" in result.stdout
    assert len(manifest(out)) == count and len(assert_whole_reports(out)) == count
    assert not list(out.rglob(".*.tmp")) and not list((out / PARTS).glob("*"))


def test_a_uri_that_cannot_hold_reports_is_a_one_line_error(samples, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder\n")
    result = run("batch", str(samples), "-o", a_file.as_uri(), "-j", "1")
    assert result.exit_code == errors.USAGE
    assert result.stderr == f"Error: {a_file.as_uri()} is a file, not a folder. Give a folder or prefix for the reports.\n"

    unwritable = "file:///proc/reportgen-reports"  # the kernel's filesystem takes no new folders
    result = run("batch", str(samples), "-o", unwritable, "-j", "1")
    assert result.exit_code == errors.RUNTIME
    assert result.stderr.startswith(f"Error: cannot create {unwritable} (") and len(result.stderr.splitlines()) == 1
