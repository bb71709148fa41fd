"""The sentence tagger's static word vectors: the table, the sentence features, and the model file."""

from __future__ import annotations

import numpy as np
import pytest

from reportgen.generation import wordvectors
from reportgen.generation.align import NONE
from reportgen.generation.dialogue import sentences, words
from reportgen.generation.tagger import TaggerModel
from reportgen.generation.wordvectors import CONTEXT, DIM, WordVectors
from reportgen.terminology.encoder import installed_encoder


def _table(*names: str) -> WordVectors:
    rng = np.random.default_rng(0)
    return WordVectors({w: i for i, w in enumerate(names)}, rng.normal(size=(len(names), DIM)).astype(np.float32))


def test_a_sentence_vector_is_its_known_words_normalised_mean_beside_its_neighbours_mean():
    vectors = _table("potassium", "normal")
    found = vectors.sentences([["potassium", "is", "normal"], ["unheard", "words"], ["normal"]])
    assert found.shape == (3, vectors.width)
    mean = vectors.table[[0, 1]].mean(axis=0)
    assert np.allclose(found[0, :DIM], mean / np.linalg.norm(mean), atol=1e-6)
    assert not found[1, :DIM].any()  # no word with a vector: no meaning claimed
    assert np.allclose(found[1, DIM:], CONTEXT * (found[0, :DIM] + found[2, :DIM]) / 2, atol=1e-6)
    assert np.allclose(found[0, DIM:], CONTEXT * found[1, :DIM] / 2)  # the first sentence has one neighbour


def test_the_table_keeps_words_seen_twice_and_weighs_rare_words_more():
    encoder = installed_encoder()
    if encoder is None:
        pytest.skip("the sentence encoder (reportgen[terms]) is not installed")
    said = [["your", "potassium", "is", "fine"], ["your", "sodium", "is", "high"], ["your", "knee", "hurts"],
            ["potassium", "and", "sodium"], ["knee", "your"], ["once"]]
    vectors = wordvectors.build(said, encoder)
    assert "once" not in vectors.words and "potassium" in vectors.words
    norm = {w: float(np.linalg.norm(vectors.table[i])) for w, i in vectors.words.items()}
    assert norm["potassium"] > norm["your"]  # inverse frequency: the common word says less

    def unit(w: str) -> np.ndarray:
        return vectors.table[vectors.words[w]] / norm[w]

    assert unit("potassium") @ unit("sodium") > unit("potassium") @ unit("knee")  # two electrolytes look alike


def test_a_model_with_word_vectors_survives_the_file_round_trip(tmp_path):
    vectors = _table("cough", "wheezes", "inhaler")
    rng = np.random.default_rng(1)
    model = TaggerModel([NONE, "hpi", "physical_exam"], {"bias": 0, "w:cough": 1}, rng.normal(size=(3, 2 + vectors.width)).astype(np.float32),
                        np.zeros(3, dtype=np.float32), {}, vectors=vectors)
    items = sentences("[patient] i have a cough .\n[doctor] lungs have wheezes .\n[doctor] start an inhaler .")
    model.save(tmp_path / "m.safetensors")
    loaded = TaggerModel.load(tmp_path / "m.safetensors")
    assert loaded.vectors is not None and loaded.vectors.words == vectors.words
    assert np.allclose(loaded.probabilities(items), model.probabilities(items), atol=2e-3)  # float16 weights in the file
    assert words(items)[0] == ["i", "have", "a", "cough"]
