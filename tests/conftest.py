"""Shared test set-up: offline, single-threaded, no user config or data dirs leak in."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "corpora" / "samples"
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No REPORTGEN_* from the developer's shell, no ~/.config file, a private HF cache."""
    for name in list(os.environ):
        if name.startswith("REPORTGEN_") and name != "REPORTGEN_TEST_ES_URL":
            monkeypatch.delenv(name)
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))


@pytest.fixture(scope="session", autouse=True)
def _terminology_index(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the default index once, quietly, where every test's data dir points: lexical, as the
    report pipeline builds it (term vectors of the shipped vocabularies take minutes)."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology

    data_home = tmp_path_factory.getbasetemp() / "home" / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(data_home))
        open_terminology(load_settings(env={}), say=lambda message: None, dense=False)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A reportgen data dir shared by the session, so indexes are built once."""
    return tmp_path_factory.mktemp("reportgen-data")


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (shared data sits beside the checkout)")
    return path
