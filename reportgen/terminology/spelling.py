"""Spelling correction against the index's own vocabulary.

A query word the vocabulary does not hold (`pnuemonia`, `diabetis`, `oesophagitis`)
is replaced by the vocabulary word it most likely meant: first a British spelling
rule (ae/oe -> e, -our -> -or, -tre -> -ter, -ise -> -ize) whose result is a known word,
else the closest known word within two edits (Damerau-Levenshtein; one for words under
six letters) among those sharing the most letter trigrams with it; on a tie the one with
the same first letter, then the more frequent. Known words (a known word with a derivational
suffix too: "wellness" is no typo of "weakness"), short words, numbers and the expansion table's
abbreviations are never touched, so correctly spelled queries search exactly as before. A joined compound
that titles also write hyphenated gets both spellings (gastroesophageal gastro-esophageal).

It runs on the client, the same for every backend (as expansion does): the
vocabulary is built with the index and stored with it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

from reportgen.terminology.terms import Corpus

MIN_LENGTH = 4  # shorter words are too often abbreviations to guess at
CANDIDATES = 40  # known words sharing the most letter trigrams with a word, compared by edit distance
_REMEMBERED = 65_536  # unknown words whose correction is kept (in memory only)
_WORD = re.compile(r"[a-z]+(?:['-][a-z]+)*", re.IGNORECASE)
_SUFFIXES = ("ness", "less", "ful", "fully", "ly", "ment", "ments")  # derive words from words, their sense kept
_BRITISH = [
    (re.compile(r"ae"), "e"),  # anaemia, haemorrhage, leukaemia, faecal, paediatric
    (re.compile(r"oe"), "e"),  # oedema, oesophagus, diarrhoea, coeliac
    (re.compile(r"our\b"), "or"),  # tumour, tumours
    (re.compile(r"ours\b"), "ors"),
    (re.compile(r"tre\b"), "ter"),  # centre, litre
    (re.compile(r"is(e|ed|es|ing|ation)\b"), r"iz\1"),  # immunisation, hospitalised
    (re.compile(r"yse\b"), "yze"),  # paralyse
]


def vocabulary(corpora: Sequence[Corpus]) -> Counter[str]:
    """Word -> number of occurrences over every title, synonym and note (lower case)."""
    counts: Counter[str] = Counter()
    for corpus in corpora:
        for term in corpus.terms:
            for text in (term.title, *term.synonyms, *term.notes):
                counts.update(w.lower() for w in _WORD.findall(text))
    return counts


class Speller:
    def __init__(self, counts: dict[str, int], keep: Callable[[], Iterable[str]] = tuple):
        """`keep`: words that are right although the index lacks them (English words, the
        expansion table's abbreviations and lay words): never replaced by a near neighbour.
        Called the first time a word is not in `counts` (reading them costs start-up time)."""
        self.counts = counts
        self._keep_source = keep
        self._closest_of: dict[str, str | None] = {}  # a problem phrase is corrected 3-4 times as it is searched

    @cached_property
    def keep(self) -> set[str]:
        return {w.lower() for phrase in self._keep_source() for w in _WORD.findall(phrase)}

    @cached_property
    def _compounds(self) -> dict[str, str]:
        """Hyphenated words under their joined spelling ("gastroesophageal" -> "gastro-esophageal"); short words
        are left as they are here too ("ab" is no "a-b": its lone "b" would match every title with a B)."""
        return {joined: w for w in self.counts if "-" in w and len(joined := w.replace("-", "")) >= MIN_LENGTH}

    @cached_property
    def _trigrams(self) -> dict[str, list[str]]:
        """Known words under each of their letter trigrams (padded), to find candidates fast."""
        index: dict[str, list[str]] = {}
        for word in self.counts:
            if len(word) >= MIN_LENGTH - 1 and word.isalpha():
                for gram in _grams(word):
                    index.setdefault(gram, []).append(word)
        return index

    def correct(self, text: str) -> str:
        """`text` with each unknown word replaced by its correction (if one is found)."""
        return _WORD.sub(lambda m: self.word(m.group(0)), text)

    def word(self, word: str) -> str:
        lower = word.lower()
        if lower in self._compounds:  # both spellings: titles use one or the other
            return f"{word} {self._compounds[lower]}"
        if len(lower) < MIN_LENGTH or lower in self.counts:
            return word
        for pattern, replacement in _BRITISH:
            american = pattern.sub(replacement, lower)
            if american != lower and american in self.counts:
                return american
        if lower in self.keep or (lower.endswith("s") and lower[:-1] in self.keep) or self._derived(lower):
            return word  # a plural s too: "UTIs", "PVCs"
        if lower not in self._closest_of:
            if len(self._closest_of) >= _REMEMBERED:
                self._closest_of.clear()
            self._closest_of[lower] = self._closest(lower)
        return self._closest_of[lower] or word

    def _derived(self, word: str) -> bool:
        """A known word with a derivational suffix ("wellness", "tiredness"): a word of its own, though the
        English list lacks it, not a typo of a known word one or two edits away ("weakness")."""
        return any(word.endswith(suffix) and (base := word[: -len(suffix)]) and len(base) >= MIN_LENGTH - 1
                   and (base in self.keep or base in self.counts) for suffix in _SUFFIXES)

    def _closest(self, word: str) -> str | None:
        limit = 1 if len(word) < 6 else 2
        shared: Counter[str] = Counter()
        for gram in sorted(_grams(word)):  # sorted: a set's order changes with each process's hash seed
            shared.update(self._trigrams.get(gram, ()))
        candidates = [c for c, _n in shared.most_common(CANDIDATES) if abs(len(c) - len(word)) <= limit]
        # Fewest edits; then the same first letter (typos rarely hit it); then the more common word.
        scored = [(distance(word, c), c[0] != word[0], -self.counts[c], c) for c in candidates]
        best = min((s for s in scored if s[0] <= limit), default=None)
        return best[-1] if best else None


def _grams(word: str) -> set[str]:
    padded = f"$${word}$"
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein with adjacent transpositions)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]
