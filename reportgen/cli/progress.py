"""Progress of `reportgen batch` on stderr: a Rich bar on a terminal, plain lines elsewhere."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn, TimeRemainingColumn
from rich.text import Text

if TYPE_CHECKING:
    from reportgen.batch import Record
    from reportgen.cli import App


class _Quiet:
    def __enter__(self) -> _Quiet:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, total: int) -> None:
        self.total, self.done, self.failed, self.began = total, 0, 0, time.perf_counter()

    def update(self, record: Record) -> None:
        self.done += 1
        self.failed += record.status != "ok"


class _Lines(_Quiet):
    """Not a terminal (a log file, CI): one plain line every few seconds, and at the end."""

    def __init__(self, app: App, every: float):
        self.app, self.every, self.last = app, every, 0.0

    def update(self, record: Record) -> None:
        super().update(record)
        now = time.perf_counter()
        if now - self.last >= self.every or self.done == self.total:
            self.last = now
            elapsed = now - self.began
            rate = self.done / elapsed if elapsed > 0 else 0.0
            eta = (self.total - self.done) / rate if rate > 0 else 0.0
            self.app.say(f"batch: {self.done}/{self.total} done, {self.failed} failed, {rate:.1f} notes/s, ETA {eta:.0f} s")


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.1f} notes/s")


class _Bar(_Quiet):
    """A terminal: a Rich progress bar on stderr (counts only, never a file name)."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[failed]} failed"),
            _RateColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False,
        )

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def start(self, total: int) -> None:
        super().start(total)
        self.task = self.progress.add_task("batch", total=total, failed=0)

    def update(self, record: Record) -> None:
        super().update(record)
        self.progress.update(self.task, advance=1, failed=self.failed)


def reporter_for(app: App, every: float) -> _Quiet:
    """How `reportgen batch` shows progress: nothing (--quiet), a bar on a terminal, else plain lines."""
    if app.verbosity < 0:
        return _Quiet()
    if sys.stderr.isatty():
        return _Bar()
    return _Lines(app, every)
