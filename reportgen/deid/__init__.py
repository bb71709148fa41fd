"""Clinical de-identification on Presidio: analyzer, clinical recognizers, operators, audit.

`build_deidentifier(settings)` is the one entry point; it fails closed
(`RuntimeFailure`) when the configured NER model is missing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.deid.engine import Deidentifier, DeidResult, Item
    from reportgen.deid.factory import build_deidentifier, read_key

# Resolved on first use, so that importing a light submodule (the word lists in
# reportgen.deid.vocab, used by terminology) does not load Presidio and spaCy.
_EXPORTS = {"DeidResult": "engine", "Deidentifier": "engine", "Item": "engine", "build_deidentifier": "factory", "read_key": "factory"}
__all__ = ["DeidResult", "Deidentifier", "Item", "build_deidentifier", "read_key"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"reportgen.deid.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'reportgen.deid' has no attribute '{name}'")
