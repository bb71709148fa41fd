"""Phrase alternations written as a trie match what the plain alternation matches."""

from __future__ import annotations

import re

import pytest

from reportgen.alternation import trie, units, whole_words

CUES = ["no", "not", "no sign of", "nothing", "denies"]


def test_the_trie_writes_each_common_beginning_once():
    assert trie([list(cue) for cue in CUES]) == "(?:denies|no(?:(?: sign of|t(?:hing)?))?)"


@pytest.mark.parametrize("text", ["no", "not", "no sign", "no sign of", "nothing", "noth", "deni", "denies", "n", ""])
def test_the_trie_matches_the_texts_the_plain_alternation_matches(text):
    assert bool(re.fullmatch(trie([list(cue) for cue in CUES]), text)) is bool(re.fullmatch("|".join(CUES), text))


@pytest.mark.parametrize("text", ["x-ray of the knee", "an x.", "xray", "the X-RAY", "box-ray", "x/ray", "high blood pressure."])
def test_the_longest_whole_word_phrase_at_a_position_is_matched_as_longest_first(text):
    phrases = ["x", "x-ray", "high blood", "high blood pressure", "ray"]
    plain = re.compile(r"(?<![\w/])(" + "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True)) + r")(?![\w/])", re.I)
    assert [m.group() for m in whole_words(phrases).finditer(text)] == [m.group(1) for m in plain.finditer(text)]


def test_units_check_the_boundary_before_a_phrase_after_its_first_letter():
    assert units(["no", "pain"], r"\s*", "[a-z]", "(?![a-z])") == ["n", "(?<![a-z]n)", "o", r"\s*", "p", "a", "i", "n", "(?![a-z])"]
    assert re.search("".join(units(["no"], "", "[a-z]", None)), "know") is None
