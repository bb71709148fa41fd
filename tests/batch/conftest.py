"""Folders of real sample notes (ACI-Bench, CC BY 4.0; see corpora/samples/README.md) plus bad ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from tests.conftest import SAMPLES

GOOD = sorted(p.name for p in SAMPLES.glob("*.txt"))


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy_samples(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in GOOD:
        shutil.copy(SAMPLES / name, folder / name)
    return folder


def many_notes(folder: Path, count: int) -> Path:
    """count distinct notes (the samples, each made unique by a trailing line)."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = [(SAMPLES / name).read_text() for name in GOOD]
    for i in range(count):
        (folder / f"note-{i:04d}.txt").write_text(f"{texts[i % len(texts)]}\nVisit number {i}.\n")
    return folder


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    return copy_samples(tmp_path / "in")


@pytest.fixture(autouse=True)
def _data_dir(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session's data dir: the terminology index is built once, not in the user's home."""
    monkeypatch.setenv("REPORTGEN_DATA_DIR", str(data_dir))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from tests.training.tiny_model import build_tiny_model

    torch.set_num_threads(1)
    return build_tiny_model(tmp_path_factory.mktemp("tiny"), ["CHIEF COMPLAINT\nKnee pain.\n"] * 20, vocab_size=300)


@pytest.fixture(scope="session")
def ray_address(tmp_path_factory: pytest.TempPathFactory):
    """One local Ray instance (2 CPUs) for every Ray test: starting one costs seconds.

    `reportgen batch --engine ray` in this process uses it as it is; a subprocess joins it
    with --address. The temp dir is short: Ray's socket paths must fit in 107 characters.
    """
    import logging
    import tempfile

    import ray

    temp = tempfile.mkdtemp(prefix="rg-ray-")
    ray.init(num_cpus=2, include_dashboard=False, _temp_dir=temp, object_store_memory=100 * 2**20,
             log_to_driver=False, logging_level=logging.WARNING)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
    shutil.rmtree(temp, ignore_errors=True)


@pytest.fixture(autouse=True)
def _named_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check how outputs mirror input paths: the `name` id mode (opaque ids: test_note_ids.py)."""
    monkeypatch.setenv("REPORTGEN_NOTES_IDS", "name")
