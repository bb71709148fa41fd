"""Long unpunctuated turns cut where a sentence most likely starts.

Some transcripts come without sentence punctuation: a doctor's whole turn ("no
abdominal pain alright so let me check here ... on your heart exam I do hear a
grade two murmur ... so let's talk about your plan") is then one "sentence", and
the tagger can only file all of it under one section. This model learns from the
punctuated transcripts of the training pairs how often a sentence starts between
two words (a rare pair backs off to what each word says alone), and cuts a
sentence of more than `longest` words before each word where that is likely,
never where a piece would lose what completes it. Every character of the
sentence is kept; only where one ends changes.
Trained with the tagger by `reportgen train --method extractive` and stored in its file.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from reportgen.generation.dialogue import Sentence

PUNCTUATED = 20.0  # a transcript whose sentences average fewer words is punctuated: it teaches where sentences start
SMOOTHING = 4.0  # pseudo-counts pulling a rare word pair towards its backed-off estimate
LEAST = 4  # words every cut piece keeps
# English words that need what follows them (articles, prepositions, possessives, copulas, conjunctions): a
# piece ending with one would leave its complement, a value or a finding, to a piece that may be left out.
_OPEN_ENDED = frozenset("a an the of to for with at in on by from into about your my his her their our its is are was "
                        "were be been am and or but than as".split())
# A duration completes the clause before it ("three times a day | for seven days" would leave a dose's duration to
# a piece that may be left out): no cut from "for" to one of these within five words after it (`_in_duration`).
_DURATION_UNITS = frozenset("second seconds minute minutes hour hours day days night nights week weeks month months "
                            "year years".split())
_WORD = re.compile(r"\S+")
_STRIP = re.compile(r"[^a-z0-9']")


@dataclass
class Segmenter:
    pairs: dict[str, list[int]]  # "previous next" -> [sentence starts between them, times seen]
    nexts: dict[str, list[int]]  # next word -> [starts before it, seen]
    previous: dict[str, list[int]]  # previous word -> [starts after it, seen]
    prior: float  # share of word gaps that start a sentence
    negations: list[str]  # cues a piece never ends with (`_negation_cues`)
    # 3-fold cross-validation of `reportgen train --method extractive` on ACI-Bench train (+ MTS-Dialog train),
    # ROUGE-1 / mean division ROUGE-1 / median length: uncut 0.462 / 0.317 / 0.99x; longest 20 threshold 0.3
    # 0.475 / 0.333; 15, 0.2 0.484 / 0.358; 15, 0.1 0.492 / 0.371; 15, 0.05 0.493 / 0.366; 25, 0.15 0.493 / 0.364;
    # 35, 0.1 0.482 / 0.364; 25, 0.1 0.493 / 0.374 / 0.92x (chosen). With the geometric-mean back-off and the
    # `_completed` guards: 0.489 / 0.366 / 0.94x; with the duration guard too (the shipped model): 0.490 / 0.370 / 0.92x.
    longest: int = 25  # sentences of more words are cut
    threshold: float = 0.1  # cut where P(a sentence starts) is above this

    def probability(self, before: str, after: str) -> float:
        """P(a sentence starts between the words `before` and `after`): the pair's counts, smoothed towards
        the geometric mean of what the two words say alone (both must allow it: "no" often ends an answer,
        "rebound" seldom starts a sentence, so "no rebound" is not cut)."""
        estimates = []
        for table, word in ((self.previous, before), (self.nexts, after)):
            starts, seen = table.get(word, (0, 0))
            estimates.append((starts + SMOOTHING * self.prior) / (seen + SMOOTHING))
        starts, seen = self.pairs.get(f"{before} {after}", (0, 0))
        return (starts + SMOOTHING * math.sqrt(estimates[0] * estimates[1])) / (seen + SMOOTHING)

    def cut(self, text: str) -> list[str]:
        """`text` in pieces (no character but the spaces between pieces lost); one piece if it is short.
        Never where a piece would lose what completes it (`_completed`)."""
        words = list(_WORD.finditer(text))
        if len(words) <= self.longest:
            return [text]
        tokens = [_normal(w.group()) for w in words]
        cuts = [0]
        for i in range(LEAST, len(words) - LEAST + 1):
            if (i - cuts[-1] >= LEAST and self.probability(tokens[i - 1], tokens[i]) > self.threshold
                    and self._completed(tokens, i)):
                cuts.append(i)
        cuts.append(len(words))
        return [text[words[a].start() : words[b - 1].end()] for a, b in zip(cuts, cuts[1:])]

    def _completed(self, tokens: list[str], i: int) -> bool:
        """Whether the words before `i` can end a piece: not a negation cue (the "no" that negates the next
        piece), not a word that needs what follows (`_OPEN_ENDED`: "his a1c is | 8"), not a stutter ("is | is 8"),
        not before the duration that completes them ("twice a day | for two weeks")."""
        cues, longest_cue = self._cues
        return (tokens[i - 1] not in _OPEN_ENDED and tokens[i - 1] != tokens[i]
                and not _in_duration(tokens, i)
                and not any(tuple(tokens[i - n : i]) in cues for n in range(1, longest_cue + 1)))

    def split(self, items: Sequence[Sentence]) -> list[Sentence]:
        """The sentences with each long one of a speaker's turn cut (`cut`), renumbered. A written note's
        sentences (no speaker) are kept whole: the counts come from talk."""
        out: list[Sentence] = []
        for sentence in items:
            for j, piece in enumerate(self.cut(sentence.text) if sentence.speaker is not None else [sentence.text]):
                out.append(replace(sentence, text=piece, index=len(out), turn_start=sentence.turn_start and j == 0))
        return out

    @cached_property
    def _cues(self) -> tuple[frozenset[tuple[str, ...]], int]:
        cues = frozenset(tuple(cue.split()) for cue in self.negations)
        return cues, max(map(len, cues), default=0)

    def to_json(self) -> dict:
        return {"pairs": self.pairs, "nexts": self.nexts, "previous": self.previous, "prior": self.prior,
                "negations": self.negations, "longest": self.longest, "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict) -> Segmenter:
        return cls(data["pairs"], data["nexts"], data["previous"], float(data["prior"]), list(data["negations"]),
                   int(data["longest"]), float(data["threshold"]))


def fit(dialogues: Sequence[Sequence[Sentence]], min_seen: int = 2) -> Segmenter:
    """Counts from the punctuated `dialogues` (their sentences, as `dialogue.sentences` splits them):
    within each speaker turn, which word gaps start a sentence. Words seen fewer than `min_seen` times
    (as a pair, a next or a previous word) are left to the back-off."""
    seen: dict[str, Counter[str]] = {"pairs": Counter(), "nexts": Counter(), "previous": Counter()}
    starts: dict[str, Counter[str]] = {name: Counter() for name in seen}
    for items in dialogues:
        if not items or sum(len(s.text.split()) for s in items) / len(items) >= PUNCTUATED:
            continue
        turns: dict[int, list[tuple[str, bool]]] = {}
        for sentence in items:
            words = [_normal(w) for w in sentence.text.split()]
            turns.setdefault(sentence.turn, []).extend((w, i == 0) for i, w in enumerate(words))
        for turn in turns.values():
            for (before, _), (after, start) in zip(turn, turn[1:]):
                for name, key in (("pairs", f"{before} {after}"), ("nexts", after), ("previous", before)):
                    seen[name][key] += 1
                    starts[name][key] += start
    tables = {name: {k: [starts[name][k], n] for k, n in sorted(counts.items()) if n >= min_seen} for name, counts in seen.items()}
    gaps = sum(seen["nexts"].values())
    prior = round(sum(starts["nexts"].values()) / gaps, 6) if gaps else 0.0
    return Segmenter(tables["pairs"], tables["nexts"], tables["previous"], prior, _negation_cues())


def _negation_cues() -> list[str]:
    """NegEx's clinical negation cues (negspacy's en_clinical termset: those before and after what they negate),
    and an exam sign's polarity ("negative | Homans sign", "positive | straight leg raise"), as `_normal` words."""
    from negspacy.termsets import termset

    patterns = termset("en_clinical").get_patterns()
    cues = {" ".join(_normal(w) for w in cue.split())
            for cue in (*patterns["preceding_negations"], *patterns["following_negations"], "negative", "positive")}
    return sorted(cue for cue in cues if cue)


def _in_duration(tokens: list[str], i: int) -> bool:
    """Whether a cut before word `i` would fall at or inside a duration ("for [the next] seven days")."""
    for j in range(max(0, i - 5), i + 1):
        if tokens[j] == "for":
            units = [k for k in range(j + 1, min(j + 6, len(tokens))) if tokens[k] in _DURATION_UNITS]
            if units and i <= units[0]:
                return True
    return False


def _normal(word: str) -> str:
    return _STRIP.sub("", word.lower())
