"""De-identifying many notes on several cores.

Workers are forked from a process that already built the de-identifier, so
spaCy and the word lists load once; they share its secret, so surrogates and
date shifts agree across workers (tag numbers are per worker chunk).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence

from reportgen.deid.engine import Deidentifier, DeidResult, Item
from reportgen.orphans import exit_with_parent

_WORKER: Deidentifier | None = None


def _init(deidentifier: Deidentifier) -> None:
    global _WORKER
    _WORKER = deidentifier


def _run_chunk(items: list[Item]) -> list[DeidResult]:
    assert _WORKER is not None
    return _WORKER.run(items)


def run_many(deidentifier: Deidentifier, items: Sequence[Item], workers: int = 1, chunk: int = 32) -> Iterator[list[DeidResult]]:
    """Results chunk by chunk, in input order."""
    chunks = [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]
    if workers <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for part in chunks:
            yield deidentifier.run(part)
        return
    _init(deidentifier)  # forked children inherit it: nothing is pickled but the notes
    with multiprocessing.get_context("fork").Pool(min(workers, len(chunks)), exit_with_parent, (os.getpid(),)) as pool:
        yield from pool.imap(_run_chunk, chunks)
