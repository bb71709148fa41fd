"""Where `reportgen batch` writes: a folder on this machine, or an fsspec URI (s3://, gs://, abfs://, file://).

Both keep the local engine's contract: a report is a whole file or absent, the manifest
(`manifest.jsonl`) gets every finished note's line as the batch goes, and `--resume` reads
it back. How each keeps it:

- A folder: temp file + fsync + rename; the manifest is appended and flushed line by line.
- A URI: objects are written whole (an object store shows an object only once its upload
  is complete; on a filesystem behind a URI, a hidden temp file is moved into place). Object
  stores cannot append, so finished lines go out in parts (`.manifest-parts/part-N.jsonl`,
  every few seconds) that the manifest absorbs at the end; a killed run leaves its parts,
  which --resume reads, so at most the last few seconds of notes are done again.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from reportgen.errors import InputError, ReportgenError, RuntimeFailure, UsageError
from reportgen.files import atomic_write

MANIFEST = "manifest.jsonl"
PARTS = ".manifest-parts"
_URI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
# Schemes whose writes are all-or-nothing objects; anything else gets temp + move.
_OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss", "r2", "memory"}
_PART_SECONDS = 5.0
_PART_LINES = 1000


def is_uri(target: str) -> bool:
    return _URI.match(target) is not None


def open_outputs(target: str) -> Outputs:
    """A folder path or an fsspec URI -> where the batch writes; a scheme fsspec cannot open is a one-line error."""
    match = _URI.match(target)
    if match is None:
        return LocalOutputs(Path(target).expanduser().absolute())
    scheme = match.group(1).lower()
    import fsspec

    try:
        fs, root = fsspec.core.url_to_fs(target)
    except ValueError:
        raise UsageError(f"unknown output location scheme '{scheme}://'.",
                         "Give a folder, or an fsspec URI such as s3://bucket/reports or file:///shared/reports.") from None
    except ImportError as e:  # fsspec names the package, e.g. "Install s3fs to access S3"
        raise RuntimeFailure(f"writing to {scheme}:// needs a package that is not installed ({e}).",
                             "Install it (pip install s3fs for s3://, gcsfs for gs://, adlfs for az://).") from None
    return RemoteOutputs(fs, root.rstrip("/"), target.rstrip("/"), scheme in _OBJECT_STORES)


class Outputs:
    """The reports and manifest of one batch: see the module docstring."""

    location: str  # the folder or URI, for messages
    local: Path | None = None  # the folder, when it is one on this machine
    in_process: bool = False  # only this process sees what is written (memory://)

    @property
    def manifest_location(self) -> str:
        return f"{self.location}/{MANIFEST}"

    def prepare(self) -> None:
        raise NotImplementedError

    def holds_batch(self) -> bool:
        raise NotImplementedError

    def write(self, rel: PurePosixPath, text: str) -> None:
        """One output, whole or not at all."""
        raise NotImplementedError

    def existing(self, rels: Iterable[str]) -> set[str]:
        """Which of these outputs are there."""
        raise NotImplementedError

    def read_manifest(self) -> dict[str, dict]:
        """The latest record per input path. A torn line (killed run) is dropped."""
        raise NotImplementedError

    def write_manifest(self, records: dict[str, dict]) -> None:
        """The whole manifest, one line per note, atomically."""
        raise NotImplementedError

    def journal(self) -> Any:
        """A context manager giving add(line): each finished note's manifest line, kept as the batch goes."""
        raise NotImplementedError

    def remove_stale_temp_files(self) -> None:
        """A killed run can leave hidden temp files (`.name.XXXX.tmp`); never a half report."""
        raise NotImplementedError


def latest_records(lines: Iterable[str], into: dict[str, dict]) -> dict[str, dict]:
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and "input" in record:
            into[record["input"]] = record
    return into


def manifest_text(records: dict[str, dict]) -> str:
    return "".join(json.dumps(records[key]) + "\n" for key in sorted(records))


class LocalOutputs(Outputs):
    def __init__(self, root: Path) -> None:
        self.root = self.local = root
        self.location = str(root)

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def holds_batch(self) -> bool:
        return (self.root / MANIFEST).exists()

    def write(self, rel: PurePosixPath, text: str) -> None:
        atomic_write(safe_target(self.root, rel), text)

    def existing(self, rels: Iterable[str]) -> set[str]:
        return {rel for rel in rels if (self.root / rel).is_file()}

    def read_manifest(self) -> dict[str, dict]:
        path = self.root / MANIFEST
        return latest_records(path.read_text(encoding="utf-8").splitlines(), {}) if path.exists() else {}

    def write_manifest(self, records: dict[str, dict]) -> None:
        atomic_write(self.root / MANIFEST, manifest_text(records))

    @contextmanager
    def journal(self) -> Iterator[Callable[[str], None]]:
        with (self.root / MANIFEST).open("a", encoding="utf-8") as log:
            def add(line: str) -> None:
                log.write(line + "\n")
                log.flush()

            yield add

    def remove_stale_temp_files(self) -> None:
        for path in self.root.rglob(".*.tmp"):
            if path.is_file() and not path.is_symlink():
                path.unlink()


def safe_target(output_dir: Path, rel: PurePosixPath) -> Path:
    """The output file for rel, refusing one that a symlinked folder would put outside OUTPUT_DIR."""
    root = output_dir.resolve()
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.parent.resolve().is_relative_to(root) or target.is_symlink():
        raise InputError(f"output {rel} would be written outside the output folder.", "Remove the symlink there.")
    return target


class RemoteOutputs(Outputs):
    def __init__(self, fs: Any, root: str, location: str, whole_objects: bool) -> None:
        self.fs, self.root, self.location, self.whole_objects = fs, root, location, whole_objects
        self.in_process = "memory" in _protocols(fs)

    def _path(self, rel: str | PurePosixPath) -> str:
        return f"{self.root}/{PurePosixPath(rel).as_posix()}"

    @contextmanager
    def _failing(self, what: str) -> Iterator[None]:
        """Any error of the store (no such bucket, credentials, a file in the way) as one line, exit 4."""
        try:
            yield
        except ReportgenError:
            raise
        except Exception as e:
            reason = (e.strerror if isinstance(e, OSError) else None) or type(e).__name__
            raise RuntimeFailure(f"cannot {what} {self.location} ({reason}).",
                                 "Check the URI, the credentials and that the location is writable.") from None

    def prepare(self) -> None:
        with self._failing("create"):
            if self.fs.isfile(self.root):
                raise UsageError(f"{self.location} is a file, not a folder.", "Give a folder or prefix for the reports.")
            self.fs.makedirs(self.root, exist_ok=True)

    def holds_batch(self) -> bool:
        with self._failing("read"):
            return bool(self.fs.exists(self._path(MANIFEST)))

    def write(self, rel: PurePosixPath, text: str) -> None:
        self._put(self._path(rel), text.encode("utf-8"))

    def _put(self, path: str, data: bytes) -> None:
        with self._failing(f"write {path[len(self.root) + 1:]} in"):
            if self.whole_objects:
                self.fs.pipe_file(path, data)
                return
            parent, name = path.rsplit("/", 1)
            self.fs.makedirs(parent, exist_ok=True)
            temp = f"{parent}/.{name}.{uuid.uuid4().hex[:8]}.tmp"
            self.fs.pipe_file(temp, data)
            self.fs.mv(temp, path)

    def _listing(self) -> set[str]:
        prefix = self.root + "/"
        with self._failing("list"):
            return {path[len(prefix):] for path in self.fs.find(self.root) if path.startswith(prefix)}

    def existing(self, rels: Iterable[str]) -> set[str]:
        return self._listing() & set(rels)  # one listing, not a request per output

    def read_manifest(self) -> dict[str, dict]:
        records: dict[str, dict] = {}
        with self._failing("read the manifest in"):
            for path in [self._path(MANIFEST), *self._parts()]:
                if self.fs.exists(path):
                    latest_records(self.fs.cat_file(path).decode("utf-8", errors="replace").splitlines(), records)
        return records

    def _parts(self) -> list[str]:
        folder = self._path(PARTS)
        return sorted(self.fs.find(folder)) if self.fs.exists(folder) else []

    def write_manifest(self, records: dict[str, dict]) -> None:
        self._put(self._path(MANIFEST), manifest_text(records).encode("utf-8"))
        with self._failing("tidy the manifest parts in"):
            for part in self._parts():  # absorbed into the manifest just written
                self.fs.rm_file(part)

    @contextmanager
    def journal(self) -> Iterator[Callable[[str], None]]:
        pending: list[str] = []
        last = time.monotonic()
        run = uuid.uuid4().hex[:8]
        count = 0

        def flush() -> None:
            nonlocal last, count
            if pending:
                # Named by time, then run and number: read back in the order written.
                name = f"part-{time.time_ns():020d}-{run}-{count:06d}.jsonl"
                self._put(self._path(f"{PARTS}/{name}"), "".join(line + "\n" for line in pending).encode("utf-8"))
                pending.clear()
                count += 1
            last = time.monotonic()

        def add(line: str) -> None:
            pending.append(line)
            if len(pending) >= _PART_LINES or time.monotonic() - last >= _PART_SECONDS:
                flush()

        try:
            yield add
        finally:
            flush()

    def remove_stale_temp_files(self) -> None:
        if self.whole_objects:  # nothing is written under a temp name there
            return
        for rel in self._listing():
            name = PurePosixPath(rel).name
            if name.startswith(".") and name.endswith(".tmp"):
                self.fs.rm_file(self._path(rel))


def _protocols(fs: Any) -> set[str]:
    protocol = fs.protocol
    return {protocol} if isinstance(protocol, str) else set(protocol)
