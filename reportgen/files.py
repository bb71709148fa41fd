"""Atomic output: write to a temp file beside the target, then rename over it.

An interrupted run leaves either the old file or the new one, never half a
report. The temp file is created with mode 0600 (reports can hold PHI).
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from pathlib import Path

from reportgen.errors import RuntimeFailure, UsageError


def check_output_path(path: Path, force: bool) -> None:
    """Refuse, before any work is done, an output that cannot or should not be written."""
    if not path.parent.is_dir():
        raise UsageError(f"output folder {path.parent} does not exist.", "Create it first.")
    if path.is_dir():
        raise UsageError(f"output {path} is a folder.", "Give a file name.")
    if path.exists() and not path.is_file():  # a device (/dev/full), FIFO or socket: never replaced by a file
        raise UsageError(f"output {path} is not a regular file.", "Give the path of a file.")
    if path.exists() and not force:
        raise UsageError(f"output file {path} already exists.", "Pass --force to overwrite it.")


def atomic_write(path: Path, data: str | bytes) -> None:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise _write_error(path, e) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise _write_error(path, e) from None
        raise


def _write_error(path: Path, error: OSError) -> RuntimeFailure:
    reason = error.strerror or type(error).__name__
    return RuntimeFailure(f"cannot write {path} ({reason}).", "Check free space and that the folder is writable.")


def write_stdout(text: str) -> None:
    """The report on stdout; a closed or broken stdout is an error, not a silent success."""
    stream = sys.stdout
    try:
        if stream is None:
            raise OSError(errno.EBADF, "stdout is closed")
        stream.write(text)
        stream.flush()
    except (OSError, ValueError) as e:
        reason = getattr(e, "strerror", None) or "stdout is closed"
        raise RuntimeFailure(f"cannot write to stdout ({reason}).", "Pass -o FILE, or keep stdout open.") from None
