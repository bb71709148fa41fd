"""Clinical de-identification on Presidio: analyzer, clinical recognizers, operators, audit.

`build_deidentifier(settings)` is the one entry point; it fails closed
(`RuntimeFailure`) when the configured NER model is missing.
"""

from __future__ import annotations

from reportgen.deid.engine import DeidResult, Deidentifier, Item
from reportgen.deid.factory import build_deidentifier, read_key

__all__ = ["DeidResult", "Deidentifier", "Item", "build_deidentifier", "read_key"]
