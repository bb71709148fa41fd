"""What the analyzer adds after the recognizers ran: a found name's neighbours and its other mentions."""

from __future__ import annotations

import re
from collections.abc import Sequence

from reportgen.deid.filters import NAME_WORD
from reportgen.deid.guards import unguarded
from reportgen.deid.patterns import CREDENTIAL, is_relation, is_title
from reportgen.deid.recognizers import LOCATION, PERSON
from reportgen.deid.spans import Span
from reportgen.deid.vocab import general_names, last_names, stop_words
from reportgen.deid.wordtests import is_common_word

_NEXT_WORD = re.compile(r" ([A-Za-z][A-Za-z'\-]+)")
_PREVIOUS_WORD = re.compile(r"(?<![\w'\-])([A-Za-z][A-Za-z'\-]+) $")


def extend_names(text: str, spans: Sequence[Span]) -> list[Span]:
    """Words written like a found name and next to it: "Irene" found makes "Irene Czyzewicz" a name.

    The neighbour must share the name's case (Title, UPPER or lower) and be no word,
    title or credential.
    """
    extra = []
    for span in spans:
        if span.entity != PERSON:
            continue
        name = text[span.start : span.end]
        before = _PREVIOUS_WORD.search(text, max(0, span.start - 40), span.start)
        after = _NEXT_WORD.match(text, span.end)
        for m in (before, after):
            if m and _same_case(m.group(1), name) and _possible_name(m.group(1)):
                extra.append(Span(PERSON, m.start(1), m.end(1), 0.4, "NameNeighbourRecognizer"))
    return extra


def _same_case(word: str, name: str) -> bool:
    if name.isupper() or name.islower():
        return word.isupper() == name.isupper() and word.islower() == name.islower()
    return word[:1].isupper() and not word.isupper()


def _possible_name(word: str) -> bool:
    """No title or credential, and no common word unless a capitalized listed surname ("Rita Hickey")."""
    if len(word) < 2 or is_title(word) or word.lower() in stop_words():
        return False
    if re.fullmatch(CREDENTIAL, word, re.I) or is_relation(word):
        return False
    if word.islower():  # a lower-case transcript: only a listed name ("hey linda good to see you")
        return "'" not in word and word in general_names()
    return not is_common_word(word) or (word.istitle() and word.lower() in last_names())


def propagate(parts: Sequence[tuple[str, list[Span]]]) -> list[list[Span]]:
    """Every other mention of a detected name word, in the note and its companion texts.

    "Dr. Smith" found by its title makes the bare "Smith's" two lines later an
    identifier too (and the same surrogate, since the mapping is per word).
    """
    found: dict[str, str] = {}
    for text, spans in parts:
        for span in sorted(spans, key=lambda s: s.start - s.end):  # the longest first, as `resolve` lets it win
            if span.entity in (PERSON, LOCATION):
                for m in NAME_WORD.finditer(text, span.start, span.end):
                    word = m.group().lower().removesuffix("'s")
                    if len(word) > 2 and not is_common_word(word) and not is_title(word):
                        found.setdefault(word, span.entity)
    if not found:
        return [list(spans) for _, spans in parts]
    alternatives = "|".join(map(re.escape, sorted(found, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w'])({alternatives})(?![\w']|-\w)", re.I)  # "AT CALVERT- 2 FFP", not "Smith-Jones"
    out = []
    for text, spans in parts:
        extra = [Span(found[m.group(1).lower()], m.start(1), m.end(1), 0.5, "PropagatedNameRecognizer") for m in pattern.finditer(text)]
        out.append([*spans, *unguarded(extra, text)])  # "Dr. Murphy" found leaves "Murphy's sign" alone
    return out
