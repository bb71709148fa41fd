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


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No REPORTGEN_* from the developer's shell, no ~/.config file (the suite's own instead), a private HF cache."""
    for name in list(os.environ):
        if name.startswith("REPORTGEN_") and name != "REPORTGEN_TEST_ES_URL":
            monkeypatch.delenv(name)
    home = tmp_path_factory.getbasetemp() / "home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("HF_HOME", str(home / "hf"))


@pytest.fixture(scope="session", autouse=True)
def _suite_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite's config file (in the isolated home, from before any fixture loads settings): its
    indexes hold no term vectors, since the shipped vocabularies' 60,000 take minutes on 2 cores.
    tests/terminology/test_dense.py builds them for a small corpus and searches with the default."""
    config_home = tmp_path_factory.getbasetemp() / "home" / "config"
    (config_home / "reportgen").mkdir(parents=True, exist_ok=True)
    (config_home / "reportgen" / "config.toml").write_text("[terms]\ndense = false\n", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CONFIG_HOME", str(config_home))
        yield


@pytest.fixture(scope="session", autouse=True)
def _terminology_index(_suite_config: None, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Build the default index once, quietly, where every test's data dir points."""
    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology

    data_home = tmp_path_factory.getbasetemp() / "home" / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_DATA_HOME", str(data_home))
        open_terminology(load_settings(env={}), say=lambda message: None)


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
