"""The wheel is complete: built from this checkout and installed into a fresh venv, reportgen
runs from it alone (templates, corpora, layouts, recipes and word lists are package data).

The venv gets the wheel only; its third-party dependencies come from the environment running
the tests (a .pth line), so the test checks what reportgen ships, not pip's resolver.
Slow (~1 min quiet, more on a busy machine): it builds the wheel and loads spaCy once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(root / "dist"), str(REPO)], check=True)
    (wheel,) = (root / "dist").glob("reportgen-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")], check=True)
    python = root / "venv" / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)], check=True)
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "shared-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return root / "venv"


def run_in(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Outside the checkout, without PYTHONPATH: only the installed wheel can be imported."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("REPORTGEN_")}
    env |= {"HOME": str(cwd), "XDG_DATA_HOME": str(cwd / "data"), "XDG_CONFIG_HOME": str(cwd / "config")}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_installed_wheel_runs_on_its_own(venv: Path, tmp_path: Path) -> None:
    where = run_in(venv, "python", "-c", "import reportgen; print(reportgen.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), "reportgen was imported from outside the wheel"

    for args in (["reportgen", "--help"], ["reportgen", "train", "--help"]):
        result = run_in(venv, *args, cwd=tmp_path)
        assert result.returncode == 0 and "Usage: reportgen" in result.stdout, result.stderr

    recipe = run_in(venv, "python", "-c", "from reportgen.training.recipe import load_recipe; print(load_recipe('tiny-cpu').name)", cwd=tmp_path)
    assert recipe.stdout.strip() == "tiny-cpu", recipe.stderr

    note = tmp_path / "note.txt"
    note.write_text((REPO / "corpora" / "samples" / "finger-pain.txt").read_text())
    report = run_in(venv, "reportgen", "generate", "note.txt", "--operator", "tag", "-f", "json", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert '"terminology_index": "tantivy' in report.stdout  # the index was built from the wheel's corpora
    assert '"layout": "clinical-visit"' in report.stdout
