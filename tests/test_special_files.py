"""Files that are not regular notes or outputs, and outputs that cannot be written: one line, no hang."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli
from tests.conftest import SAMPLES

NOTE = SAMPLES / "finger-pain.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reportgen(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportgen", *args], capture_output=True, text=True, timeout=300, **kwargs)


def test_a_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "note.txt"
    os.mkfifo(fifo)
    for command in ("generate", "deid"):
        result = run(command, str(fifo))
        assert result.exit_code == errors.INPUT, result.output
        assert result.stderr.strip() == f"Error: {fifo} is not a regular file. Pass a note file (save a stream to a file first, or pipe it to '-')."


def test_batch_records_a_fifo_and_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(NOTE.read_text())
    os.mkfifo(folder / "stream.txt")
    out = tmp_path / "out"
    result = run("batch", str(folder), "-o", str(out), "-j", "1")
    assert result.exit_code == errors.PARTIAL, result.output
    assert "1 ok, 1 failed" in result.stdout
    assert "not a regular file" in (out / "manifest.jsonl").read_text()


def test_a_device_is_never_replaced_by_a_file(tmp_path):
    result = run("generate", str(NOTE), "-o", "/dev/full", "--force")
    assert result.exit_code == errors.USAGE
    assert result.stderr.strip() == "Error: output /dev/full is not a regular file. Give the path of a file."
    assert not os.path.isfile("/dev/full")


def test_output_path_errors_share_one_exit_code(tmp_path):
    exists = tmp_path / "r.md"
    exists.write_text("old")
    for output in (exists, tmp_path / "missing" / "r.md", tmp_path):
        result = run("generate", str(NOTE), "-o", str(output))
        assert result.exit_code == errors.USAGE, (output, result.output)
        assert len(result.stderr.strip().splitlines()) == 1


def _small_file_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG, like a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))


# `deid --decrypt` writes a note back without loading spaCy: the quickest command through the same writers.
KEY = {**os.environ, "REPORTGEN_DEID_KEY": "0123456789abcdef"}


def test_write_errors_are_one_line_and_leave_nothing(tmp_path):
    out = tmp_path / "r.txt"
    proc = reportgen("deid", str(NOTE), "--decrypt", "-o", str(out), preexec_fn=_small_file_limit, env=KEY)
    assert proc.returncode == errors.RUNTIME, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == f"Error: cannot write {out} (File too large). Check free space and that the folder is writable."
    assert list(tmp_path.iterdir()) == []  # no temp file, no half report
    result = run("generate", str(NOTE), "-o", "/proc/reportgen-test.md")  # procfs takes no new files, even as root
    assert result.exit_code == errors.RUNTIME, result.output
    assert result.stderr.strip().splitlines()[-1].startswith("Error: cannot write /proc/reportgen-test.md (")


def test_closed_stdout_is_an_error():
    proc = subprocess.run([sys.executable, "-m", "reportgen", "deid", str(NOTE), "--decrypt"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, timeout=300, preexec_fn=lambda: os.close(1), env=KEY)
    assert proc.returncode == errors.RUNTIME, proc.stderr
    assert "cannot write to stdout" in proc.stderr
