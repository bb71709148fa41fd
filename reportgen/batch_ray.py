"""The Ray engine of `reportgen batch`: the local engine's jobs, per-note `Processor` and
manifest, with the notes flowing through Ray Data to a pool of actors, one `Pipeline` each.

The driver (this process) plans the jobs, writes the manifest and reports progress, as
with the local engine; the actors read the notes and write the reports themselves, so
INPUT_DIR must be a path every node sees (one machine: any path; a cluster: a shared
filesystem) and OUTPUT_DIR too, or an object-store URI (`reportgen.outputs`). Ray Data's
executor runs in one more actor (`_Driver`, 0 CPUs), which hands the records back here.
A tantivy index is built once by the driver and either shipped to the actors through
Ray's object store (`ray.index = "ship"`) or opened by each from `terms.index_dir`
(`"shared"`); with Elasticsearch every actor queries the cluster. Ray is an optional
dependency: `require_ray` says how to install it.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import queue
import shutil
import signal
import tarfile
import tempfile
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from reportgen import errors
from reportgen.batch import MODEL_CHUNK, Job, Processor, Record, StopFlag
from reportgen.config import RaySettings, Settings
from reportgen.errors import ReportgenError, RuntimeFailure
from reportgen.pipeline import Pipeline
from reportgen.terminology.index import index_path

INSTALL = "Install it with: pip install 'reportgen[ray]'"
# Rows are job paths and manifest lines; the object store holds them and the shipped index.
_LOCAL_OBJECT_STORE = 512 * 2**20
# Records come back a block at a time: small blocks keep progress and --resume fine-grained,
# the cap keeps the driver's bookkeeping small for millions of notes.
_MAX_BLOCKS = 20_000
# Notes per actor call without a model: one per call left 2 cores 68% busy (0.69x the local pool on
# 1,000 notes, bench/batch_throughput.py); eight, 83% busy and 0.89x. A killed run redoes at most a call's notes.
NOTE_CHUNK = 8
CALLS_PER_ACTOR = 8


def require_ray() -> None:
    """Fail before any work when Ray is not installed."""
    try:
        import ray.data  # noqa: F401
    except ImportError:
        raise RuntimeFailure("--engine ray needs Ray, which is not installed.", f"{INSTALL}.") from None


def run_ray(jobs: Sequence[Job], settings: Settings, args: tuple, stop: StopFlag) -> Iterator[Record]:
    """Process jobs on a Ray actor pool, yielding each note's record as its block finishes.

    A first Ctrl-C stops taking results: notes whose records were not received are redone by
    --resume (their reports, if written, are whole files and are written again).
    """
    import ray

    input_dir, *rest = args
    args = (Path(input_dir).absolute(), *rest)  # actors may start elsewhere (outputs are absolute already)
    started = _connect(settings.ray)
    try:
        yield from _stream(jobs, settings, args, stop)
    finally:
        if started:
            ray.shutdown()


def _connect(options: RaySettings) -> bool:
    """Join the configured cluster, or start a Ray instance here; True when this run started it."""
    import ray

    if ray.is_initialized():  # an embedding program (or the test session) already connected
        return False
    quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        with warnings.catch_warnings():  # Ray Client warns before it raises; the error below says it all
            warnings.simplefilter("ignore", UserWarning)
            if options.address:
                ray.init(address=options.address, **quiet)
            else:  # its token notice concerns clusters others join, not this run's private instance
                logging.getLogger("ray._private.authentication.authentication_token_setup").setLevel(logging.ERROR)
                ray.init(include_dashboard=False, object_store_memory=_LOCAL_OBJECT_STORE, **quiet)
    except ImportError:  # Ray without its client extra (grpcio)
        raise RuntimeFailure(f"--address {options.address} needs Ray Client, which is not installed.", f"{INSTALL}.") from None
    except (ConnectionError, TimeoutError, ValueError, RuntimeError) as e:
        where = f"the Ray cluster at {options.address}" if options.address else "a local Ray instance"
        client = " and that the head node's Ray Client port is reachable from here" if _is_client(options.address) else ""
        raise RuntimeFailure(f"cannot start or reach {where} ({type(e).__name__}).",
                             f"Check ray.address (--address){client}, and `ray status` on the head node.") from None
    return True


def _is_client(address: str | None) -> bool:
    """ray://HEAD:10001: this process joins through Ray Client (gRPC), from outside the cluster."""
    return bool(address) and str(address).startswith("ray://")


def _stream(jobs: Sequence[Job], settings: Settings, args: tuple, stop: StopFlag) -> Iterator[Record]:
    import ray

    options = settings.ray
    gpus = options.num_gpus
    if gpus is None:
        gpus = 1.0 if settings.generate.model and ray.cluster_resources().get("GPU", 0) >= 1 else 0.0
    index = None
    if options.index == "ship" and settings.terms.backend == "tantivy":
        index = [ray.put(_pack(index_path(settings)))]  # in a list: the actor fetches it, once
    actors = _pool_size(options, gpus, len(jobs))
    plan = _Plan(
        rows=[{"input": job.input.as_posix(), "stem": job.stem.as_posix()} for job in jobs],
        settings=settings, args=args, index=index, actors=actors, gpus=gpus,
        chunk=MODEL_CHUNK if settings.generate.model else _note_chunk(len(jobs), actors),
    )
    # Ray Data's executor runs in a cluster process, not here: under Ray Client (ray://) this
    # process has no core worker to run it; elsewhere it costs one more process.
    driver = ray.remote(num_cpus=0)(_Driver).remote(plan)
    try:
        while True:
            rows, finished = ray.get(driver.take.remote())
            for row in rows:
                if row["failure"]:  # an actor could not build its pipeline: stop the batch as the local engine does
                    raise _error(json.loads(row["failure"]))
                if stop.set:
                    return
                yield Record(**json.loads(row["record"]))
            if finished or stop.set:
                return
    finally:
        ray.kill(driver)  # the actor pool goes with it


@dataclass
class _Plan:
    """What the _Driver actor needs to run the pipeline: the notes, the settings, the pool's shape."""

    rows: list[dict[str, str]]
    settings: Settings
    args: tuple
    index: list | None
    actors: int
    gpus: float
    chunk: int


class _Driver:
    """Runs the Ray Data pipeline inside the cluster and hands its rows out as they come."""

    def __init__(self, plan: _Plan) -> None:
        self.rows: queue.Queue[dict[str, str] | BaseException | None] = queue.Queue()
        threading.Thread(target=self._run, args=(plan,), daemon=True).start()

    def _run(self, plan: _Plan) -> None:
        import ray.data

        try:
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False  # reportgen reports progress itself
            context.print_on_execution_start = False
            for handler in logging.getLogger("ray.data").handlers:  # Ray Data's own log file keeps the detail
                if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                    handler.setLevel(logging.ERROR)
            blocks = min(_MAX_BLOCKS, math.ceil(len(plan.rows) / plan.chunk))
            results = ray.data.from_items(plan.rows, override_num_blocks=blocks).map_batches(
                _Actor,
                fn_constructor_kwargs={"settings": plan.settings, "args": plan.args, "index": plan.index},
                batch_size=plan.chunk,
                compute=ray.data.ActorPoolStrategy(size=plan.actors),
                num_cpus=plan.settings.ray.num_cpus,
                num_gpus=plan.gpus,
            )
            for row in results.iter_rows():
                self.rows.put(row)
            self.rows.put(None)
        except BaseException as e:  # raised again in the caller by take()
            self.rows.put(e)

    def take(self, wait: float = 1.0, most: int = 1000) -> tuple[list[dict[str, str]], bool]:
        """The rows ready now (waiting up to `wait` s for a first one); True once the run is over."""
        rows: list[dict[str, str]] = []
        try:
            item = self.rows.get(timeout=wait)
            while True:
                if item is None:
                    return rows, True
                if isinstance(item, BaseException):
                    raise item
                rows.append(item)
                if len(rows) >= most:
                    return rows, False
                item = self.rows.get_nowait()
        except queue.Empty:
            return rows, False


def _note_chunk(jobs: int, actors: int) -> int:
    """Notes per actor call without a model: NOTE_CHUNK, less when that would give an actor
    fewer than CALLS_PER_ACTOR calls (a short run still reports progress note by note)."""
    return max(1, min(NOTE_CHUNK, jobs // (actors * CALLS_PER_ACTOR)))


def _pool_size(options: RaySettings, gpus: float, jobs: int) -> int:
    """Actors to start: as asked, else as many as the cluster's CPUs (and GPUs) hold, never more than notes.

    An actor that asks for more than the cluster has would wait for ever: refused here.
    """
    import ray

    nodes = [node["Resources"] for node in ray.nodes() if node["Alive"]]
    if not any(r.get("CPU", 0) >= options.num_cpus and r.get("GPU", 0) >= gpus for r in nodes):
        raise RuntimeFailure(
            f"no node of the Ray cluster has the {options.num_cpus:g} CPUs and {gpus:g} GPUs one actor asks for.",
            "Lower --num-cpus / --num-gpus, or add such a node (`ray status` lists them).",
        )
    resources = ray.cluster_resources()
    cpus, gpu_count = resources.get("CPU", 0), resources.get("GPU", 0)
    size = options.actors or int(cpus // options.num_cpus)
    if gpus and not options.actors:
        size = min(size, int(gpu_count // gpus))
    return max(1, min(size, jobs))


def _error(failure: dict[str, str | None]) -> ReportgenError:
    """The actor's ReportgenError again, so that the CLI prints its one line and exit code."""
    kind = getattr(errors, str(failure["type"]), None)
    if not (isinstance(kind, type) and issubclass(kind, ReportgenError)):
        kind = RuntimeFailure
    return kind(str(failure["message"]), failure["hint"])


def _pack(folder: Path) -> bytes:
    """The index folder as a tar, without term vectors: the pipeline codes lexically (~80 MB less to ship)."""
    from reportgen.terminology.dense import FILES

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        tar.add(folder, arcname=".", filter=lambda info: None if Path(info.name).name in FILES else info)
    return buffer.getvalue()


# Where each actor unpacks a shipped index. Ray ends its actors with a kill, so a copy's own clean-up
# (TemporaryDirectory's, at exit) never runs and every run left ~4 MB per actor in the temp dir: a copy
# is named for its actor's process, and each actor first removes the copies of processes that are gone.
_COPY_PREFIX = "reportgen-index-"


def _unpack(data: bytes) -> tempfile.TemporaryDirectory:
    _remove_ended_copies()
    folder = tempfile.TemporaryDirectory(prefix=f"{_COPY_PREFIX}{os.getpid()}-")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(folder.name, filter="data")
    return folder


def _remove_ended_copies() -> None:
    for path in Path(tempfile.gettempdir()).glob(f"{_COPY_PREFIX}*-*"):
        pid = path.name.removeprefix(_COPY_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


class _Actor:
    """One actor of the pool: loads the pipeline (spaCy, the PHI model, the index, a model) once."""

    def __init__(self, settings: Settings, args: tuple, index: list | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
        self.error: ReportgenError | None = None
        if index is not None:
            import ray

            self._index_dir = _unpack(ray.get(index[0]))
            terms = settings.terms.model_copy(update={"index_dir": Path(self._index_dir.name)})
            settings = settings.model_copy(update={"terms": terms})
        try:
            self.processor = Processor(Pipeline.from_settings(settings), *args)
        except ReportgenError as e:  # e.g. de-identification cannot run: every note would fail closed
            self.error = e

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        if self.error is not None:  # sent back as a row, not raised: Ray would wrap and log it
            failure = {"type": type(self.error).__name__, "message": self.error.message, "hint": self.error.hint}
            return {"record": [""] * len(batch["input"]), "failure": [json.dumps(failure)] * len(batch["input"])}
        jobs = [Job(PurePosixPath(i), PurePosixPath(s)) for i, s in zip(batch["input"], batch["stem"])]
        records = self.processor.many(jobs)  # a model drafts the chunk in one call
        return {"record": [json.dumps(asdict(record)) for record in records], "failure": [""] * len(records)}
