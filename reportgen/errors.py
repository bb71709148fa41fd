"""Error types that the CLI turns into one line on stderr and an exit code.

Messages never carry note text or identifiers (PHI): they name files, settings
and counts, and say how to fix the problem.
"""

from __future__ import annotations

# Exit codes, documented in the README ("Exit codes").
OK = 0
INTERNAL = 1  # a bug: rerun with --debug and report it
USAGE = 2  # bad flags, options or configuration (Click uses 2 for usage errors too)
INPUT = 3  # a note, data file or template that cannot be used
RUNTIME = 4  # the environment failed: missing model, unreachable server, corrupt index
PARTIAL = 5  # batch: some notes failed, the rest were written
INTERRUPTED = 130  # Ctrl-C


class ReportgenError(Exception):
    """A failure the user can act on. `str()` is the one-line message."""

    exit_code = INTERNAL

    def __init__(self, message: str, hint: str | None = None):
        message, hint = _one_period(message), _one_period(hint) if hint else hint
        self.message = message
        self.hint = hint
        super().__init__(f"{message} {hint}" if hint else message)


class UsageError(ReportgenError):
    """Invalid options or configuration."""

    exit_code = USAGE


class InputError(ReportgenError):
    """An input (note, data file, template, corpus) is unusable."""

    exit_code = INPUT


class RuntimeFailure(ReportgenError):
    """A resource the run depends on is missing or failing."""

    exit_code = RUNTIME


def _one_period(text: str) -> str:
    """'... is invalid..' (a quoted message that ends in its own period) -> '... is invalid.'"""
    while text.endswith("..") and not text.endswith("..."):
        text = text[:-1]
    return text
