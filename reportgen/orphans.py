"""Worker processes that die with their parent.

A batch parent killed with SIGKILL cannot stop its workers (~0.5 GB each with
spaCy loaded), so each worker asks for that itself: on Linux the kernel sends
it SIGKILL when the parent dies (prctl PR_SET_PDEATHSIG); elsewhere a daemon
thread notices the parent is gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1


def exit_with_parent(parent: int) -> None:
    """Call first thing in a worker; `parent` is the pid of the process that started it."""
    if not (sys.platform.startswith("linux") and _set_parent_death_signal()):
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()
    if os.getppid() != parent:  # it died before we asked
        os._exit(1)


def _set_parent_death_signal() -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)
