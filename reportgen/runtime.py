"""Process-wide settings for torch and transformers, applied before a model loads or trains.

Threads: torch uses every core by default. With several worker processes (batch) or
a busy machine, that oversubscribes the CPU and libgomp's spin-waiting makes each step
several times slower (measured: 2 threads on a shared 2-core box were ~4x slower than 1).
reportgen therefore runs 1 thread per process unless the `threads` setting says otherwise.
"""

from __future__ import annotations

import logging
import os
import warnings


def set_threads(threads: int) -> None:
    """torch intra-op threads for this process; 0 leaves torch's default (one per core)."""
    if threads <= 0:
        return
    os.environ["OMP_NUM_THREADS"] = str(threads)  # for libraries that read it when they start
    import torch

    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(threads)
    except RuntimeError:  # only settable before the first parallel work; intra-op threads matter most
        pass


def set_blas_threads(threads: int) -> None:
    """numpy's BLAS threads for this process (the `threads` setting); 0 leaves its default (one per core).
    With a thread per core, encoding one query (small matrix products) took 2.5x the CPU on 2 busy cores."""
    if threads <= 0:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(threads, user_api="blas")  # for the rest of the process


def quiet_transformers() -> None:
    """Silence the deprecation warnings and per-load progress bars ("Loading weights") that
    current transformers/TRL print on every run; reportgen reports progress itself."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    import datasets

    datasets.disable_progress_bars()  # "Tokenizing train dataset" etc. on every run
    logging.getLogger("peft").setLevel(logging.ERROR)
    for category in (FutureWarning, DeprecationWarning):
        warnings.filterwarnings("ignore", category=category, module=r"(transformers|trl|peft|accelerate|torch)(\.|$)")
    warnings.filterwarnings("ignore", message=r".*gguf.*", category=UserWarning)
