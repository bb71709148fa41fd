"""Atomic output: write to a temp file beside the target, then rename over it.

An interrupted run leaves either the old file or the new one, never half a
report. The temp file is created with mode 0600 (reports can hold PHI).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from reportgen.errors import InputError, UsageError


def check_output_path(path: Path, force: bool) -> None:
    """Refuse, before any work is done, an output that cannot or should not be written."""
    if not path.parent.is_dir():
        raise InputError(f"output folder {path.parent} does not exist.", "Create it first.")
    if path.is_dir():
        raise InputError(f"output {path} is a folder.", "Give a file name.")
    if path.exists() and not force:
        raise UsageError(f"output file {path} already exists.", "Pass --force to overwrite it.")


def atomic_write(path: Path, data: str | bytes) -> None:
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
