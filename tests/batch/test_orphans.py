"""kill -9 of a batch parent takes its workers with it (they hold ~0.5 GB each)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.conftest import many_notes

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the workers")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds  # a bound on waiting, not a timing assert
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


@pytest.mark.slow  # two worker processes load spaCy before the kill (~30-60 s on 2 busy cores)
def test_workers_exit_when_the_parent_is_killed(tmp_path):
    notes = many_notes(tmp_path / "in", 12)
    out = tmp_path / "out"
    parent = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "-q", "batch", str(notes), "-o", str(out), "-j", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    workers: list[int] = []
    try:
        manifest = out / "manifest.jsonl"
        # Killed once the workers are working (a note is done), so they hold their pipelines.
        assert wait_for(lambda: manifest.exists() and manifest.read_text().strip() != "", 600)
        workers += children(parent.pid)
        assert len(workers) >= 2
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 60), "workers outlived their parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in [*workers, *children(parent.pid)]:  # a failed test leaves no orphans either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
