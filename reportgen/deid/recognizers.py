"""The recognizer kinds: small Presidio recognizers over the named patterns of `patterns.py`.

A `CueRecognizer` runs named `Pattern`s whose `phi*` groups are the identifiers
and reports which pattern fired (`PATTERN_KEY` in the result's metadata, kept in
the audit); the list recognizers match words or phrases from a list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from presidio_analyzer import LocalRecognizer, Pattern, RecognizerResult

from reportgen.deid.patterns import NAME

# Entity types this package reports (the tag names of the `tag` operator).
PERSON, DATE, AGE, PHONE, ID, LOCATION = "PERSON", "DATE", "AGE", "PHONE", "ID", "LOCATION"
EMAIL, URL, SSN, ADDRESS, ZIP = "EMAIL", "URL", "SSN", "ADDRESS", "ZIP"
ENTITIES = (PERSON, DATE, AGE, PHONE, ID, LOCATION, EMAIL, URL, SSN, ADDRESS, ZIP)

PATTERN_KEY = "pattern_name"  # in RecognizerResult.recognition_metadata: which named pattern fired


class CueRecognizer(LocalRecognizer):
    """Named patterns with a cue; the `phi*` groups (or the whole match) are the identifiers.

    `reject(word)` drops a candidate that is really an ordinary word ("Dr. on call"); with
    `whole=True` one rejected group drops the whole match ("HOUSE OFFICER aware").
    """

    def __init__(
        self,
        name: str,
        entity: str,
        patterns: Sequence[Pattern],
        reject: Callable[[str], bool] | None = None,
        whole: bool = False,
    ):
        self.patterns = list(patterns)
        self._compiled = [(re.compile(p.regex), p) for p in self.patterns]
        self.reject = reject
        self.whole = whole
        super().__init__(supported_entities=[entity], name=name, supported_language="en")

    def load(self) -> None:
        pass

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for regex, pattern in self._compiled:
            pos = 0
            while match := regex.search(text, pos):
                pos = match.end()
                if _inside_word(text, match.start()):  # "ROM CALVERT HOSPITAL", searching again inside "FROM"
                    pos = match.start() + 1
                    continue
                found: list[RecognizerResult] = []
                for start, end in _phi_spans(match):
                    if self.reject and self.reject(text[start:end]):
                        # Later groups continue this one ("husband ON FLOOR"); the rejected word may
                        # itself be a cue, so search again from it ("spoke to DAUGHTER PHILOMENA").
                        pos = max(start, match.start() + 1)
                        found = [] if self.whole else found
                        break
                    found.append(self.result(start, end, pattern.score, pattern.name))
                results += found
        return results

    def result(self, start: int, end: int, score: float, pattern: str) -> RecognizerResult:
        return RecognizerResult(
            self.supported_entities[0],
            start,
            end,
            score,
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                PATTERN_KEY: pattern,
            },
        )


def _inside_word(text: str, i: int) -> bool:
    """Inside a run of letters or of digits ("on10/14/82" starts a date at the digit)."""
    if not 0 < i < len(text):
        return False
    a, b = text[i - 1], text[i]
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _phi_spans(match: re.Match) -> list[tuple[int, int]]:
    """Spans of the `phi`, `phi1`, `phi2` groups, in the order of their names."""
    groups = sorted(g for g in match.re.groupindex if g.startswith("phi"))
    if not groups:
        return [match.span()]
    return [match.span(g) for g in groups if match.group(g)]


class WordListRecognizer(CueRecognizer):
    """Words found in a list (general names, the user's roster), matched as whole tokens."""

    def __init__(self, name: str, entity: str, contains: Callable[[str], bool], score: float, token: str = NAME):
        self.contains = contains
        super().__init__(name, entity, [Pattern("listed word", rf"\b(?:{token})\b", score)], reject=lambda w: not contains(w))


class PhraseListRecognizer(CueRecognizer):
    """Exact phrases (a staff roster, facility names, a patient's MRN), case-insensitive, and
    any further named patterns (the words of a listed name)."""

    def __init__(self, name: str, entity: str, phrases: Iterable[str], score: float = 1.0, more: Sequence[Pattern] = ()):
        super().__init__(name, entity, [Pattern("listed phrase", alternatives(phrases, ignore_case=True), score), *more])


def alternatives(phrases: Iterable[str], ignore_case: bool = False) -> str:
    """One regex for whole-word phrases, the longest first; matching nothing when there are none."""
    phrases = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    group = "(?i:" if ignore_case else "(?:"
    return r"(?<!\w)" + group + "|".join(re.escape(p) for p in phrases) + r")(?!\w)" if phrases else r"(?!)"


class GazetteerRecognizer(CueRecognizer):
    """Places from a list: one-word places ("Towson") and phrases of up to four words ("Bel Air").

    `words` and `phrases` are lower-cased; the longest phrase starting at a word wins. A phrase
    of everyday words (`worded`: "Walled Lake", "Mount Joy") counts only written in Title case
    in a note not written in capitals, where its capitals are what make it a name.
    """

    def __init__(
        self, name: str, entity: str, words: frozenset[str], phrases: frozenset[str], score: float, token: str = NAME, worded: frozenset[str] = frozenset()
    ):
        self.words, self.phrases, self.worded, self.score = words, phrases, worded, score
        self.token = re.compile(rf"(?<![\w'-])(?:{token})(?![\w'-])")
        super().__init__(name, entity, [])

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        from reportgen.deid.filters import is_shouting

        tokens = list(self.token.finditer(text))
        worded = frozenset() if is_shouting(text) else self.worded
        results, i = [], 0
        while i < len(tokens):
            for n in range(min(4, len(tokens) - i), 0, -1):
                run = tokens[i : i + n]
                if all(text[a.end() : b.start()] == " " for a, b in zip(run, run[1:])):
                    phrase = " ".join(t.group().lower() for t in run)
                    titled = n > 1 and phrase in worded and all(t.group().istitle() for t in run)
                    if titled or phrase in (self.phrases if n > 1 else self.words):
                        results.append(self.result(run[0].start(), run[-1].end(), self.score, "listed place" if n == 1 else "listed place phrase"))
                        break
            else:
                n = 1
            i += n
        return results


_PLACE_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")


class CuedPlaceRecognizer(CueRecognizer):
    """A listed place right after a cue ("lives in", "from the"): the `phi` group holds the few words
    that follow, and the longest run of them from its start that `is_place` accepts is reported
    ("LIVES IN LAUREL WITH WIFE" -> "LAUREL")."""

    def __init__(self, name: str, entity: str, patterns: Sequence[Pattern], is_place: Callable[[str], bool]):
        self.is_place = is_place
        super().__init__(name, entity, patterns)

    def analyze(self, text: str, entities: list[str], nlp_artifacts=None) -> list[RecognizerResult]:
        results = []
        for regex, pattern in self._compiled:
            pos = 0
            while match := regex.search(text, pos):
                start, end = match.span("phi")
                pos = start  # what follows may hold the next cue ("in town from Glen Burnie")
                if _inside_word(text, match.start()):
                    pos = match.start() + 1
                    continue
                ends = [m.end() for m in _PLACE_WORD.finditer(text, start, end)]
                place_end = next((e for e in reversed(ends) if self.is_place(text[start:e])), None)
                if place_end is not None:
                    results.append(self.result(start, place_end, pattern.score, pattern.name))
                    pos = place_end
        return results
