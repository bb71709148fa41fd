"""`reportgen batch --engine ray` on a local Ray instance: the local engine's reports and
manifest, a killed run resumed, and the one-line error when Ray is not installed."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen import errors
from reportgen.batch import MANIFEST
from reportgen.batch_ray import NOTE_CHUNK, _note_chunk, _pack, _unpack
from tests.batch.conftest import GOOD, many_notes, run
from tests.batch.test_batch import manifest
from tests.batch.test_resume import assert_whole_reports, kill_midway, start_batch, wait_for_lines
from tests.conftest import REPO

CREATED = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the creation time in a report's footer


def add_bad_notes(folder: Path, outside: Path) -> None:
    (folder / "empty.txt").write_text("  \n")
    (folder / "binary.txt").write_bytes(b"\x00\x01PK\x03\x04" + bytes(range(256)))
    outside.write_text("Chief complaint: chest pain.\n")
    (folder / "link-outside.txt").symlink_to(outside)


def test_ray_engine_writes_what_the_local_engine_writes(ray_address, samples, tmp_path, monkeypatch):
    # Tags are deterministic; surrogates are drawn afresh for every note by design.
    monkeypatch.setenv("REPORTGEN_DEID_OPERATOR", "tag")
    add_bad_notes(samples, tmp_path / "elsewhere.txt")
    local, distributed = tmp_path / "local", tmp_path / "ray"

    by_local = run("batch", str(samples), "-o", str(local), "-f", "md,json,html", "-j", "1")
    # The actors write through fsspec, as they would to s3://: a file:// URI takes the same path.
    by_ray = run("batch", str(samples), "-o", distributed.as_uri(), "-f", "md,json,html", "--engine", "ray")

    assert by_local.exit_code == by_ray.exit_code == errors.PARTIAL, by_ray.output
    assert f"Manifest: {distributed.as_uri()}/{MANIFEST}" in by_ray.stdout
    assert f"{len(GOOD)} ok, 3 failed" in by_ray.stdout
    files = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(distributed).as_posix() for p in distributed.rglob("*") if p.is_file())
    assert len(files) == 3 * len(GOOD) + 1
    for name in files:
        if name.endswith(".json"):  # the report's creation time is the only difference
            a, b = (json.loads((d / name).read_text()) for d in (local, distributed))
            assert a["provenance"].pop("created_at") and b["provenance"].pop("created_at")
            assert a == b, name
        elif name != MANIFEST:
            a, b = (CREATED.sub("", (d / name).read_text()) for d in (local, distributed))
            assert a == b, name
    ours, theirs = manifest(local), manifest(distributed)
    assert ours.keys() == theirs.keys()
    for key, record in ours.items():
        other = theirs[key]
        assert record["timings"].keys() == other["timings"].keys()
        assert {**record, "timings": None, "finished_at": None} == {**other, "timings": None, "finished_at": None}
    assert theirs["empty.txt"]["error"] == "empty.txt is empty." and theirs["empty.txt"]["outputs"] == []
    assert theirs["link-outside.txt"]["status"] == "failed"


@pytest.mark.slow  # a subprocess joining the instance, then a second run: two actor start-ups (~40-90 s)
def test_killed_ray_run_resumes(ray_address, tmp_path):
    count = 16
    src, out = many_notes(tmp_path / "in", count), tmp_path / "out"
    done, mtimes = kill_midway(src, out, 3, "--engine", "ray", "--address", ray_address)
    assert 3 <= len(done) < count

    result = run("batch", str(src), "-o", str(out), "-f", "json", "--resume", "--engine", "ray")

    assert result.exit_code == 0, result.output
    assert f"{count - len(done)} ok, 0 failed, {len(done)} already done" in result.stdout
    assert len(manifest(out)) == count and len(assert_whole_reports(out)) == count
    assert not list(out.glob(".*.tmp"))
    assert all((out / done[name]["outputs"][0]).stat().st_mtime_ns == mtime for name, mtime in mtimes.items())


@pytest.mark.slow  # a subprocess joining the instance and loading two pipelines (~30-90 s)
def test_ctrl_c_stops_a_ray_run_with_a_whole_manifest(ray_address, tmp_path):
    count = 16
    src, out = many_notes(tmp_path / "in", count), tmp_path / "out"
    proc = start_batch(src, out, "--engine", "ray", "--address", ray_address)
    wait_for_lines(out, proc, 2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == errors.INTERRUPTED, stderr.decode()
    assert b"--resume" in stderr
    records = [json.loads(line) for line in (out / MANIFEST).read_text().splitlines()]
    assert 2 <= len(records) < count
    assert {Path(r["outputs"][0]).name for r in records} <= assert_whole_reports(out)


@pytest.mark.slow  # torch and the model load in the actor (~30-60 s)
def test_model_reports_on_ray_match_the_local_engine(ray_address, samples, tmp_path, tiny_model, monkeypatch):
    monkeypatch.setenv("REPORTGEN_DEID_OPERATOR", "tag")
    monkeypatch.setenv("REPORTGEN_GENERATE_MAX_NEW_TOKENS", "8")
    (samples / "empty.txt").write_text("")
    common = ("-f", "json", "--model", str(tiny_model))
    by_local = run("batch", str(samples), "-o", str(tmp_path / "local"), *common)
    by_ray = run("batch", str(samples), "-o", str(tmp_path / "ray"), *common, "--engine", "ray", "--actors", "1")
    assert by_local.exit_code == by_ray.exit_code == errors.PARTIAL, by_ray.output  # the empty note
    records = manifest(tmp_path / "ray")
    assert records["empty.txt"]["error"] == "empty.txt is empty."
    for name in GOOD:
        assert records[name]["status"] == "ok" and records[name]["versions"]["generator"] == "model"
        a, b = (json.loads((tmp_path / d / f"{Path(name).stem}.json").read_text()) for d in ("local", "ray"))
        assert a["provenance"].pop("created_at") and b["provenance"].pop("created_at")
        assert a == b, name


@pytest.mark.slow  # another actor start-up (~15-45 s); the default run keeps the equality test
def test_a_pipeline_the_actors_cannot_load_stops_the_batch_with_its_error(ray_address, samples, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTGEN_DEID_MODEL", "no_such_pipeline")  # fail closed: no note passes un-de-identified
    result = run("batch", str(samples), "-o", str(tmp_path / "out"), "--engine", "ray", "--actors", "1")
    assert result.exit_code == errors.RUNTIME, result.output
    assert result.stderr.splitlines()[-1].startswith("Error: the spaCy model 'no_such_pipeline' that de-identification needs")
    assert not list((tmp_path / "out").glob("*.md"))


def test_an_actor_the_cluster_cannot_hold_is_refused(ray_address, samples, tmp_path):
    result = run("batch", str(samples), "-o", str(tmp_path / "out"), "--engine", "ray", "--num-gpus", "1")
    assert result.exit_code == errors.RUNTIME
    assert result.stderr.startswith("Error: no node of the Ray cluster has the 1 CPUs and 1 GPUs one actor asks for.")


def test_without_ray_the_engine_is_a_one_line_error(samples, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without the extra looks like
    monkeypatch.setitem(sys.modules, "ray.data", None)
    result = run("batch", str(samples), "-o", str(tmp_path / "out"), "--engine", "ray")
    assert result.exit_code == errors.RUNTIME
    assert result.stderr == "Error: --engine ray needs Ray, which is not installed. Install it with: pip install 'reportgen[ray]'.\n"
    assert not (tmp_path / "out").exists()


@pytest.mark.slow  # a Ray Client server, a driver through it, then Ray Client's connection timeout (~60-120 s)
def test_a_ray_client_address_runs_the_batch_and_an_unreachable_one_is_one_line(ray_address, samples, tmp_path, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # What `ray start --head` runs on port 10001, here beside the test instance.
    server = subprocess.Popen([sys.executable, "-m", "ray.util.client.server", "--mode", "legacy", "--address", ray_address,
                               "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address, out = f"ray://127.0.0.1:{port}", tmp_path / "out"
    command = [sys.executable, "-m", "reportgen", "batch", str(samples), "-f", "json", "--engine", "ray", "--address", address]
    try:
        for _ in range(600):
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            time.sleep(0.1)
        done = subprocess.run([*command, "-o", out.as_uri()], cwd=REPO, capture_output=True, text=True, timeout=600)
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"{len(GOOD)} ok, 0 failed" in done.stdout
    assert len(manifest(out)) == len(GOOD) and len(assert_whole_reports(out)) == len(GOOD)

    monkeypatch.setenv("RAY_CLIENT_INITIAL_CONNECTION_TIMEOUT_S", "1")  # Ray Client retries with back-off
    refused = subprocess.run([*command, "-o", str(tmp_path / "none")], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert refused.returncode == errors.RUNTIME
    assert refused.stderr.splitlines() == [
        f"Error: cannot start or reach the Ray cluster at {address} (ConnectionError). Check ray.address (--address) and "
        "that the head node's Ray Client port is reachable from here, and `ray status` on the head node."]


@pytest.mark.slow  # starts its own Ray instance in a subprocess (~20-40 s)
def test_a_private_ray_instance_prints_nothing_of_rays_own(samples, tmp_path):
    done = subprocess.run([sys.executable, "-m", "reportgen", "batch", str(samples), "-o", str(tmp_path / "out"),
                           "--engine", "ray", "--actors", "1"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stderr.splitlines() if not line.startswith("batch: ")] == []


def test_a_long_run_sends_notes_in_chunks_a_short_one_note_by_note():
    assert _note_chunk(1000, 2) == NOTE_CHUNK  # Ray Data's per-call cost spread over several notes
    assert _note_chunk(100, 2) == 6  # every actor still gets CALLS_PER_ACTOR calls or more
    assert _note_chunk(16, 2) == 1  # progress and --resume note by note


def test_the_shipped_index_leaves_the_term_vectors_behind(tmp_path: Path) -> None:
    """The pipeline codes lexically: the actors get the index, not the ~80 MB of term vectors."""
    import io
    import tarfile

    from reportgen.terminology.dense import FILES

    for name in ("meta.json", "reportgen-index.json", *FILES):
        (tmp_path / name).write_text("x")
    with tarfile.open(fileobj=io.BytesIO(_pack(tmp_path))) as tar:
        assert sorted(Path(n).name for n in tar.getnames() if n != ".") == ["meta.json", "reportgen-index.json"]


def test_an_actor_removes_the_index_copies_of_ended_actors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ray kills its actors, so their copies of the shipped index outlived them (~4 MB each, every run)."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    left = tmp_path / f"reportgen-index-{ended.stdout.strip()}-x1"  # an actor that is gone
    running = tmp_path / f"reportgen-index-{os.getpid()}-x2"  # one that still runs (this process)
    for folder in (left, running):
        folder.mkdir()
        (folder / "meta.json").write_text("{}")
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "meta.json").write_text("{}")
    copy = _unpack(_pack(tmp_path / "index"))
    assert (Path(copy.name) / "meta.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["index", running.name, Path(copy.name).name])
