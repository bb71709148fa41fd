"""The test session's own environment reaches fixtures of every scope, not only each test's set-up."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def module_data_home() -> str | None:
    return os.environ.get("XDG_DATA_HOME")  # set up before any test of the module, as a module's report is


def test_a_module_fixture_sees_the_private_data_dir(module_data_home: str | None, tmp_path_factory: pytest.TempPathFactory) -> None:
    assert module_data_home is not None
    assert Path(module_data_home).is_relative_to(tmp_path_factory.getbasetemp())
