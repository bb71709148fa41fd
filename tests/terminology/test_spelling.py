"""Spelling correction against an index vocabulary."""

from __future__ import annotations

import pytest

from reportgen.terminology.spelling import Speller, distance, vocabulary
from tests.terminology.conftest import corpus

VOCABULARY = {
    "pneumonia": 40, "diabetes": 90, "mellitus": 90, "anemia": 30, "edema": 20, "esophagitis": 5, "tumor": 8,
    "cirrhosis": 6, "fibrosis": 30, "hemorrhage": 50, "pancreatitis": 12, "gastro-esophageal": 7, "reflux": 9,
    "fever": 10, "infarction": 25, "hypertension": 15,
}


@pytest.fixture
def speller() -> Speller:
    return Speller(VOCABULARY, keep=lambda: ["afib", "t2dm"])


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("pnuemonia", "pneumonia"),  # transposition
        ("diabetis", "diabetes"),
        ("pancreatitus", "pancreatitis"),
        ("cirosis", "cirrhosis"),  # two edits; fibrosis is as close but starts with another letter
        ("anaemia", "anemia"),  # British spellings
        ("oedema", "edema"),
        ("oesophagitis", "esophagitis"),
        ("haemorrhage", "hemorrhage"),
        ("tumour", "tumor"),
        ("gastroesophageal reflux", "gastroesophageal gastro-esophageal reflux"),
    ],
)
def test_corrects(speller: Speller, query: str, corrected: str) -> None:
    assert speller.correct(query) == corrected


@pytest.mark.parametrize("query", ["pneumonia", "Fever 38.5", "afib", "t2dm", "T2DMs", "copd", "chest pain", "qzxwvtk"])
def test_leaves_known_short_listed_and_hopeless_words_alone(speller: Speller, query: str) -> None:
    assert speller.correct(query) == query


def test_vocabulary_counts_every_indexed_field() -> None:
    counts = vocabulary(corpus())
    assert counts["hypertension"] >= 2 and counts["high"] == 1  # title and synonym ("High blood pressure")
    assert counts["alzheimer's"] == 1


def test_distance() -> None:
    assert distance("pnuemonia", "pneumonia") == 1
    assert distance("cirosis", "cirrhosis") == 2
    assert distance("", "abc") == 3


def test_the_keep_words_are_read_only_when_a_word_is_unknown() -> None:
    read = []
    speller = Speller(VOCABULARY, keep=lambda: read.append(1) or ["afib"])
    assert speller.correct("pneumonia, fever") == "pneumonia, fever" and read == []
    assert speller.correct("afib pnuemonia") == "afib pneumonia" and read == [1]


def test_an_unknown_word_is_looked_up_once(monkeypatch) -> None:
    speller = Speller(VOCABULARY)
    looked_up: list[str] = []
    closest = speller._closest
    monkeypatch.setattr(speller, "_closest", lambda word: looked_up.append(word) or closest(word))
    assert speller.correct("pnuemonia") == "pneumonia"
    assert speller.correct("Pnuemonia, fever") == "pneumonia, fever"
    assert looked_up == ["pnuemonia"]


def test_a_short_word_gets_no_hyphenated_spelling() -> None:
    # "ab" is not "a-b", whose lone "b" would match every title with a B; "xray" is "x-ray".
    speller = Speller({"a-b": 3, "x-ray": 5})
    assert speller.correct("the ab- abdomen") == "the ab- abdomen"
    assert speller.correct("xray") == "xray x-ray"


def test_a_known_word_with_a_derivational_suffix_is_a_word_not_a_typo() -> None:
    speller = Speller({"weakness": 30, "tiredness": 2}, keep=lambda: ["well", "weak"])
    assert speller.correct("wellness") == "wellness"  # well + ness: not "weakness", two edits away
    assert speller.correct("weaknes") == "weakness"  # a typo still is one
