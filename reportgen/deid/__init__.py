"""Clinical de-identification on Presidio: analyzer, clinical recognizers, operators, audit.

`build_deidentifier(settings)` is the one entry point; it fails closed
(`RuntimeFailure`) when the configured NER model is missing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reportgen.deid.engine import Deidentifier, DeidResult, Item
    from reportgen.deid.factory import build_deidentifier, read_key

# Resolved on first use, so that importing a light submodule (the word lists in
# reportgen.deid.vocab, used by terminology) does not load Presidio and spaCy.
# Presidio imports transformers (for an NLP engine we do not use) and spaCy's thinc imports
# torch (for layers en_core_web_sm does not have): seconds of start-up for nothing, so they
# are kept out while de-identification loads. A later `import torch` (a model) works as usual.
_UNUSED = ("transformers", "torch")
_EXPORTS = {"DeidResult": "engine", "Deidentifier": "engine", "Item": "engine", "build_deidentifier": "factory", "read_key": "factory"}
__all__ = ["DeidResult", "Deidentifier", "Item", "build_deidentifier", "read_key"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        with _unimportable(_UNUSED):
            module = import_module(f"reportgen.deid.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'reportgen.deid' has no attribute '{name}'")


@contextmanager
def _unimportable(names: tuple[str, ...]) -> Iterator[None]:
    """`import name` raises ImportError inside the block (Presidio and thinc treat that as 'not
    installed'), unless the module is already loaded."""
    blocked = [name for name in names if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # None in sys.modules: the documented way to block an import
    try:
        yield
    finally:
        for name in blocked:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
