"""Reading clinical notes: size limits, binary detection, encodings, ids.

Error messages name the note (its id or path), never its content.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reportgen.config import NotesSettings
from reportgen.errors import InputError

# Control characters other than tab, newline, form feed and carriage return.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13))


@dataclass(frozen=True)
class Note:
    id: str
    text: str
    sha256: str
    warnings: list[str] = field(default_factory=list)


def read_note(source: str | Path, settings: NotesSettings, note_id: str | None = None) -> Note:
    """Read one note from a file path, or from stdin when source is '-'. Its id is `note_id`, else
    note-<hash of its bytes>, or its file name when notes.ids = "name"."""
    if str(source) == "-":
        data = sys.stdin.buffer.read(settings.max_bytes + 1)
        return decode_note(data, note_id or _name_id("stdin", data, settings), settings, label="stdin")
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a note file.", f"Use `reportgen batch {path} -o OUT` for folders.")
    if not path.exists():
        raise InputError(f"note file {path} does not exist.", "Check the path.")
    try:
        with open(path, "rb", opener=_no_wait) as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode):  # a FIFO, socket or device would hang or never end
                raise InputError(f"{path} is not a regular file.", "Pass a note file (save a stream to a file first, or pipe it to '-').")
            if info.st_size > settings.max_bytes:
                raise InputError(*_too_large(str(path), info.st_size, settings))
            data = f.read(settings.max_bytes + 1)
    except OSError as e:
        raise InputError(f"cannot read note file {path} ({e.strerror}).", "Check its permissions.") from None
    return decode_note(data, note_id or _name_id(path.stem, data, settings), settings, label=str(path))


def opaque_id(text: str | bytes) -> str:
    """A note id that says nothing about the file it came from."""
    return "note-" + hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()[:12]


def _name_id(name: str, data: bytes, settings: NotesSettings) -> str:
    return name if settings.ids == "name" else opaque_id(data)


def _no_wait(path: str, flags: int) -> int:
    """Open without blocking: opening a FIFO for reading would wait forever for a writer."""
    fd = os.open(path, flags | os.O_NONBLOCK)
    os.set_blocking(fd, True)
    return fd


def decode_note(data: bytes, note_id: str, settings: NotesSettings, label: str | None = None) -> Note:
    """Validate and decode raw note bytes."""
    label = label or note_id
    if len(data) > settings.max_bytes:
        raise InputError(*_too_large(label, len(data), settings))
    if b"\x00" in data or _control_share(data) > 0.01:
        raise InputError(f"{label} looks like a binary file, not a text note.", "Pass a plain-text note.")
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if not settings.encoding_fallback:
            raise InputError(
                f"{label} is not valid UTF-8.",
                "Convert it (iconv -t UTF-8) or set REPORTGEN_NOTES_ENCODING_FALLBACK=true.",
            ) from None
        text = data.decode("cp1252", errors="replace")
        warnings.append("note was not valid UTF-8; decoded as Windows-1252")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{label} is empty.", "Pass a note with text in it.")
    return Note(id=note_id, text=text, sha256=hashlib.sha256(data).hexdigest(), warnings=warnings)


def _control_share(data: bytes) -> float:
    sample = data[:65536]
    if not sample:
        return 0.0
    return sum(sample.count(bytes([b])) for b in _CONTROL) / len(sample)


def _too_large(label: str, size: int, settings: NotesSettings) -> tuple[str, str]:
    return (
        f"{label} is {size:,} bytes, over the {settings.max_bytes:,}-byte limit for one note.",
        "Split it, or raise notes.max_bytes (REPORTGEN_NOTES_MAX_BYTES).",
    )


def discover(input_dir: Path, pattern: str, recursive: bool, exclude: Path | None = None) -> list[PurePosixPath]:
    """Note files under input_dir whose name matches pattern, as sorted relative paths.

    Hidden files and folders are skipped; folders reached through symlinks are not
    entered (no loops, no leaving INPUT_DIR); `exclude` (the output folder when it
    sits inside the input) is not entered either. Symlinked files are listed:
    `resolve_input` refuses those that point outside.
    """
    found: list[PurePosixPath] = []
    excluded = exclude.resolve() if exclude else None
    for dirpath, dirnames, filenames in os.walk(input_dir):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d for d in dirnames if recursive and not d.startswith(".") and (here / d).resolve() != excluded
        )
        for name in sorted(filenames):
            if not name.startswith(".") and fnmatch.fnmatch(name, pattern):
                found.append(PurePosixPath((here / name).relative_to(input_dir).as_posix()))
    return found


def resolve_input(input_dir: Path, rel: PurePosixPath) -> Path:
    """The real file behind a discovered path; refuses one that leads outside INPUT_DIR."""
    root = input_dir.resolve()
    real = (root / rel).resolve()
    if not real.is_relative_to(root):
        raise InputError(f"{rel} is a symlink to a file outside the input folder.", "Copy the note into the folder.")
    return real
