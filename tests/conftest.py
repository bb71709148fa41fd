"""Shared test set-up: offline, single-threaded, no user config or data dirs leak in."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture(scope="session", autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No REPORTGEN_* from the developer's shell, no ~/.config file, a private data dir and HF cache, for
    the whole session: a module's or the session's fixtures (a report made once, Ray's workers) run
    before any test's own set-up, and a test that sets one of these does so with `monkeypatch`."""
    home = tmp_path_factory.getbasetemp() / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("REPORTGEN_") and name != "REPORTGEN_TEST_ES_URL":
                mp.delenv(name)
        mp.setenv("XDG_CONFIG_HOME", str(home / "config"))
        mp.setenv("XDG_DATA_HOME", str(home / "data"))
        mp.setenv("HF_HOME", str(home / "hf"))
        yield


@pytest.fixture(scope="session", autouse=True)
def _terminology_index(_isolated_env: None) -> None:
    """Build the default index once, quietly, where every test's data dir points: lexical, as the
    report pipeline builds it (term vectors of the shipped vocabularies take minutes)."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology

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
