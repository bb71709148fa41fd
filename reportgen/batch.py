"""Folders of notes: discovery, safe output names, worker processes, manifest, resume.

One note's failure is recorded and the batch goes on. Every report file is
written atomically; the manifest (`OUTPUT_DIR/manifest.jsonl`) gets one JSON
line per finished note, kept as it finishes, so a killed run leaves every
line but possibly a torn last one, which `--resume` drops. At the end the
manifest is rewritten (atomically) with the latest line per note. OUTPUT_DIR
is a folder or an fsspec URI (`reportgen.outputs` says how each keeps this).

Nothing here logs or records note text: error messages are reportgen's own
(they name files, never content) or, for anything else, the exception type.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

from reportgen import __version__
from reportgen.config import FORMATS, Settings
from reportgen.errors import InputError, ReportgenError, UsageError
from reportgen.notes import Note, discover, opaque_id, read_note, resolve_input
from reportgen.orphans import exit_with_parent
from reportgen.outputs import MANIFEST, Outputs
from reportgen.pipeline import Pipeline, timed
from reportgen.render import render
from reportgen.report import EMPTY_REPORT, Report
from reportgen.terminology.index import open_terminology

MODEL_CHUNK = 16  # notes handed to a model generator's generate_many at a time


@dataclass(frozen=True)
class Job:
    """One note to process: where it is and where its reports go (both relative)."""

    input: PurePosixPath  # relative to INPUT_DIR
    stem: PurePosixPath  # output path without the format suffix, relative to OUTPUT_DIR

    def outputs(self, formats: Sequence[str]) -> list[PurePosixPath]:
        return [self.stem.with_name(f"{self.stem.name}.{fmt}") for fmt in formats]


@dataclass
class Record:
    """One manifest line."""

    input: str
    status: str  # "ok" or "failed"
    note: str | None = None  # the note's id in its reports (with notes.ids = "opaque": not its file name)
    sha256: str | None = None
    error: str | None = None
    reason: str | None = None  # error with the file name and numbers taken out, for grouping
    outputs: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    versions: dict[str, str | None] = field(default_factory=dict)
    finished_at: str = ""


@dataclass
class Summary:
    total: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0  # already done (--resume)
    empty: list[str] = field(default_factory=list)  # ids of notes whose report came out empty (status ok, a warning)
    interrupted: bool = False
    seconds: float = 0.0
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def processed(self) -> int:
        return self.ok + self.failed

    @property
    def rate(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0


# ---------------------------------------------------------------- discovery


def plan_outputs(inputs: Sequence[PurePosixPath], opaque: bool = False) -> list[Job]:
    """Map input paths to output stems that cannot collide or escape.

    Opaque: the stem is the note's id, `note-<hash of its input path>`, in OUTPUT_DIR itself
    (file names can hold identifiers). Otherwise it mirrors the input path without its suffix
    (`ward/a.txt` -> `ward/a`).
    Names are compared case-folded (case-insensitive file systems) and against
    the folders other outputs need; a clash gets a short hash of its input path
    (`ward/a-1f2e3d4c`), lengthened until nothing clashes.
    """
    for rel in inputs:
        if rel.is_absolute() or ".." in rel.parts:
            raise UsageError(f"unsafe input path {rel}.", "Input paths must stay inside the input folder.")
        if len(rel.parts) > 1 and rel.parts[0].casefold() == MANIFEST:
            raise UsageError(f"an input folder is named {MANIFEST}, like the batch manifest.", "Rename that folder.")
    if opaque:
        stems = {rel: PurePosixPath(opaque_id(rel.as_posix())) for rel in inputs}
    else:
        stems = {rel: rel.with_suffix("") if rel.suffix else rel for rel in inputs}
    for digits in (8, 16, 64):
        clashing = _clashes(stems)
        if not clashing:
            return [Job(input=rel, stem=stems[rel]) for rel in inputs]
        for rel in clashing:
            tag = hashlib.sha256(rel.as_posix().encode()).hexdigest()[:digits]
            base = stems[rel] if opaque else rel.with_suffix("") if rel.suffix else rel
            stems[rel] = base.with_name(f"{base.name}-{tag}")
    raise UsageError("could not give every note a distinct output name.", "Rename the clashing input files.")


def _clashes(stems: dict[PurePosixPath, PurePosixPath]) -> set[PurePosixPath]:
    """Inputs whose stem equals another's, or whose output names a folder another output needs."""
    by_key: dict[str, list[PurePosixPath]] = {}
    for rel, stem in stems.items():
        by_key.setdefault(stem.as_posix().casefold(), []).append(rel)
    folders = {parent.as_posix().casefold() for stem in stems.values() for parent in stem.parents}
    clashing = {rel for rels in by_key.values() if len(rels) > 1 for rel in rels}
    for rel, stem in stems.items():
        key = stem.as_posix().casefold()
        # `a` (-> a.md) beside a folder `a.md/` that another input needs.
        if any(f"{key}.{suffix}" in folders for suffix in FORMATS):
            clashing.add(rel)
    return clashing


# ---------------------------------------------------------------- one note


def settings_fingerprint(settings: Settings, formats: Sequence[str]) -> str:
    """What decides a report's content: every setting but how the batch runs (batch, ray), the formats, the version."""
    data = settings.model_dump(mode="json", exclude={"batch", "ray"})
    payload = json.dumps([data, list(formats), __version__], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def error_text(error: BaseException) -> str:
    """A message safe to record: reportgen's own (never quotes notes), else only the type."""
    if isinstance(error, ReportgenError):
        return error.message
    return f"internal error ({type(error).__name__})"


def reason_of(message: str, rel: PurePosixPath) -> str:
    """Group key for a failure: the message without the file name and numbers."""
    return re.sub(r"\d[\d,.]*", "N", message.replace(rel.as_posix(), "note"))


@dataclass
class Processor:
    """What every note of one batch shares: the pipeline, where notes come from and go, the fingerprint."""

    pipeline: Pipeline
    input_dir: Path
    outputs: Outputs
    formats: list[str]
    fingerprint: str

    def one(self, job: Job) -> Record:
        """Read, generate, render and write one note; any failure becomes a failed record."""
        return self.many([job])[0]

    def many(self, jobs: Sequence[Job]) -> list[Record]:
        """Several notes through the pipeline's steps, the drafts in one generator call
        (a model batches them); a failure fails only its own note, or the chunk it was drafted with."""
        pipeline, records, ready = self.pipeline, [], []
        for job in jobs:
            records.append(record := self._record(job))
            with self._recording(record, job):
                ready += [(job, record, prepared) for prepared in pipeline.prepare([self._read(job, record)])]
        try:
            drafts = pipeline.draft([prepared for *_, prepared in ready])
        except Exception as e:  # the whole chunk failed (e.g. out of memory): each note says so
            for job, record, _ in ready:
                self._fail(record, job, e)
            ready, drafts = [], []
        for (job, record, prepared), draft in zip(ready, drafts, strict=True):
            with self._recording(record, job):
                result = pipeline.finish([prepared], [draft])[0]
                record.timings.update(result.timings)
                self._write(job, record, result.report)
        return [_finish(record) for record in records]

    def _record(self, job: Job) -> Record:
        return Record(input=job.input.as_posix(), status="failed", note=job.stem.name, versions={"settings": self.fingerprint})

    @contextmanager
    def _recording(self, record: Record, job: Job) -> Iterator[None]:
        try:
            yield
        except Exception as e:  # recorded, the batch goes on
            self._fail(record, job, e)

    def _fail(self, record: Record, job: Job, error: Exception) -> None:
        source = str((self.input_dir / job.input).resolve())
        record.error = error_text(error).replace(source, job.input.as_posix())
        record.reason = reason_of(record.error, job.input)

    def _read(self, job: Job, record: Record) -> Note:
        with timed(record.timings, "read"):
            note = read_note(resolve_input(self.input_dir, job.input), self.pipeline.settings.notes, note_id=job.stem.name)
        record.sha256 = note.sha256
        return note

    def _write(self, job: Job, record: Record, report: Report) -> None:
        provenance = report.provenance
        record.warnings = provenance.warnings
        record.versions |= {
            "reportgen": provenance.reportgen_version,
            "generator": provenance.generator,
            "model": provenance.model_id,
            "model_version": provenance.model_version,
            "index": provenance.terminology_index,
            "deid_policy": provenance.deid_policy,
        }
        templates = self.pipeline.settings.generate.templates_dir
        with timed(record.timings, "render"):
            rendered = [(rel, render(report, fmt, None, templates)) for rel, fmt in zip(job.outputs(self.formats), self.formats)]
        with timed(record.timings, "write"):
            for rel, text in rendered:
                self.outputs.write(rel, text)
                record.outputs.append(rel.as_posix())
        record.status = "ok"


def _finish(record: Record) -> Record:
    record.timings = {k: round(v, 6) for k, v in record.timings.items()}
    record.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    return record


# ---------------------------------------------------------------- workers

_worker: dict[str, object] = {}


def _init_worker(parent: int, settings: Settings, input_dir: Path, outputs: Outputs, formats: list[str], fingerprint: str) -> None:
    """Runs once per worker process: die with the parent, load the pipeline (spaCy, index) once; leave Ctrl-C to the parent."""
    exit_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _worker["processor"] = Processor(Pipeline.from_settings(settings), input_dir, outputs, formats, fingerprint)
    except ReportgenError as e:  # e.g. de-identification cannot run: every note would fail closed
        _worker["error"] = e


def _work(job: Job) -> Record:
    if "error" in _worker:
        raise _worker["error"]  # type: ignore[misc]  # stops the batch in the parent, as serial mode does
    return _worker["processor"].one(job)  # type: ignore[attr-defined]


class StopFlag:
    """First Ctrl-C: finish the notes in flight, then stop. Second: stop now."""

    def __init__(self) -> None:
        self.set = False
        self._previous: Callable[[int, FrameType | None], Any] | int | None = None

    def __enter__(self) -> StopFlag:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
        except ValueError:  # not the main thread: no handler, Ctrl-C is not ours to catch
            self._previous = None
        return self

    def _handle(self, signum: int, frame: object) -> None:
        if self.set:
            raise KeyboardInterrupt
        self.set = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _run_in_process(jobs: Sequence[Job], processor: Processor, stop: StopFlag, size: int) -> Iterator[Record]:
    for start in range(0, len(jobs), size):
        if stop.set:
            return
        yield from processor.many(jobs[start : start + size])


def _run_pool(jobs: Sequence[Job], settings: Settings, args: tuple, workers: int, stop: StopFlag) -> Iterator[Record]:
    """Keep at most 2 notes per worker in flight, so memory stays flat however long the run."""
    todo = iter(jobs)
    pending: set[Future[Record]] = set()
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_init_worker,
                             initargs=(os.getpid(), settings, *args)) as pool:
        while True:
            while not stop.set and len(pending) < 2 * workers and (job := next(todo, None)) is not None:
                pending.add(pool.submit(_work, job))
            if not pending:
                return
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()


# ---------------------------------------------------------------- resume


def _already_done(record: dict | None, source: Path, present: set[str], fingerprint: str, notes_max: int) -> bool:
    if not record or record.get("status") != "ok" or record.get("versions", {}).get("settings") != fingerprint:
        return False
    if not all(out in present for out in record.get("outputs", [])):
        return False
    try:
        if not source.is_file() or source.stat().st_size > notes_max:  # a FIFO would block the read
            return False
        return hashlib.sha256(source.read_bytes()).hexdigest() == record.get("sha256")
    except OSError:
        return False


# ---------------------------------------------------------------- the batch


def run_batch(
    settings: Settings,
    input_dir: Path,
    outputs: Outputs,
    *,
    formats: Sequence[str],
    pattern: str,
    recursive: bool,
    workers: int,
    resume: bool = False,
    force: bool = False,
    on_start: Callable[[int], None] = lambda total: None,
    on_record: Callable[[Record], None] = lambda record: None,
) -> Summary:
    """Process every matching note under input_dir into outputs; see the module docstring."""
    ray = settings.batch.engine == "ray"
    if ray:
        from reportgen.batch_ray import require_ray

        require_ray()
    if outputs.in_process and (ray or workers > 1):
        raise UsageError(f"{outputs.location} lives inside this process; workers and Ray actors cannot write to it.",
                         "Use --workers 1 with the local engine, or a folder or object-store URI.")
    if not input_dir.is_dir():
        raise InputError(f"input folder {input_dir} does not exist or is not a folder.", "Check INPUT_DIR.")
    if outputs.local is not None and outputs.local.resolve() == input_dir.resolve():
        raise UsageError("the output folder is the input folder.", "Write reports to another folder (-o).")
    if outputs.holds_batch() and not (resume or force):
        raise UsageError(f"{outputs.location} already holds a batch ({MANIFEST}).", "Pass --resume to continue it or --force to start over.")
    outputs.prepare()

    inputs = discover(input_dir, pattern, recursive, exclude=outputs.local)
    if not inputs:
        where = "or below " if recursive else ""
        raise InputError(f"no files matching '{pattern}' in {where}{input_dir}.", "Check --glob and --recursive.")
    jobs = plan_outputs(inputs, opaque=settings.notes.ids == "opaque")
    fingerprint = settings_fingerprint(settings, formats)
    records = outputs.read_manifest() if resume else {}
    present: set[str] = set()
    if resume:
        outputs.remove_stale_temp_files()
        present = outputs.existing(out for record in records.values() for out in record.get("outputs", []))
    outputs.write_manifest(records)  # drops a torn last line before we append

    summary = Summary(total=len(jobs))
    todo: list[Job] = []
    for job in jobs:
        source = input_dir / job.input
        if resume and _already_done(records.get(job.input.as_posix()), source, present, fingerprint, settings.notes.max_bytes):
            summary.skipped += 1
        else:
            todo.append(job)
    on_start(len(todo))

    args = (input_dir, outputs, list(formats), fingerprint)
    start = time.perf_counter()
    with StopFlag() as stop, outputs.journal() as log:
        # A model is loaded once, in this process, and fed chunks of notes; a model-free
        # generator takes notes one at a time, here, in worker processes or on Ray actors.
        if ray:
            from reportgen.batch_ray import run_ray

            open_terminology(settings, dense=False)  # an absent index is built here once, before the actors open it
            stream = run_ray(todo, settings, args, stop)
        elif settings.generate.model or workers <= 1 or len(todo) <= 1:
            processor = Processor(Pipeline.from_settings(settings), *args)
            stream = _run_in_process(todo, processor, stop, MODEL_CHUNK if settings.generate.model else 1)
        else:
            open_terminology(settings, dense=False)  # an absent index is built here once, not by every worker at once
            stream = _run_pool(todo, settings, args, min(workers, len(todo)), stop)
        for record in stream:
            log(json.dumps(asdict(record)))
            if record.status == "ok":
                summary.ok += 1
                if EMPTY_REPORT in record.warnings:
                    summary.empty.append(record.note or record.input)
            else:
                summary.failed += 1
                summary.reasons[record.reason or "unknown"] += 1
            on_record(record)
        summary.interrupted = stop.set and summary.processed < len(todo)
    summary.seconds = time.perf_counter() - start
    if resume:  # a killed Ray driver's actors die a moment after it, possibly mid-write
        outputs.remove_stale_temp_files()
    outputs.write_manifest(outputs.read_manifest())  # one line per note, the latest
    return summary
