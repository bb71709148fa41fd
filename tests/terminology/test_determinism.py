"""Retrieval gives the same hits in every process: batch workers and Ray actors each have
their own hash seed, and set order must never decide which terms a note gets."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO, SAMPLES

LABELS = """
import sys
from reportgen.terminology.lay import LayVocabulary, packaged_hpo
from reportgen.terminology.spelling import Speller
lay = LayVocabulary.load(packaged_hpo())
text = sys.stdin.read()
print(lay.labels(text))
print(Speller({w: 1 for w in lay.expand(text).lower().split() if w.isalpha()}).correct("pian in the bakc and legz"))
"""


def test_lay_labels_and_spelling_do_not_depend_on_the_hash_seed():
    text = "\n".join(p.read_text() for p in sorted(SAMPLES.glob("*.txt")))
    outputs = {
        subprocess.run([sys.executable, "-c", LABELS], input=text, capture_output=True, text=True, check=True, cwd=REPO,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1, outputs
