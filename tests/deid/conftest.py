"""The analyzer loads spaCy and the word lists (~5 s): built once per session."""

from __future__ import annotations

import pytest

from reportgen.deid.analyzer import Analyzer, build_analyzer
from reportgen.deid.engine import Deidentifier


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return build_analyzer()


@pytest.fixture
def deid(analyzer: Analyzer):
    """deid(operator="surrogate", key=None) -> a Deidentifier on the shared analyzer."""

    def make(operator: str = "surrogate", key: str | None = None) -> Deidentifier:
        return Deidentifier(analyzer, operator, key=key, secret=b"test-secret")

    return make
