"""What the analyzer drops or trims after the recognizers ran: the clinical filter for uncued hits.

spaCy's small model on clinical text: PERSON/LOCATION spans holding a known
name are mostly right; Title-case PERSON spans in mixed-case notes are worth
keeping; the rest (lower-case or all-caps notes) was measured ~95% noise.
"""

from __future__ import annotations

import re
from dataclasses import replace

from reportgen.deid.patterns import is_title
from reportgen.deid.recognizers import PERSON
from reportgen.deid.spans import Span
from reportgen.deid.wordtests import is_common_word, is_listed_name

NER_RECOGNIZER = "SpacyRecognizer"
# Uncued hits from the general name and place lists: `keep` checks them.
LIST_RECOGNIZERS = ("GeneralNameRecognizer", "GeneralPlaceRecognizer")

NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_NAME_OR_INITIAL = re.compile(r"[A-Za-z][A-Za-z'\-]*")  # "J. Yi": trimming must keep the initial


def trim(span: Span, text: str) -> Span:
    """NER spans without their edge words that are not names: "dr healey aware" -> "healey"."""
    if span.recognizer != NER_RECOGNIZER:
        return span
    tokens = list(_NAME_OR_INITIAL.finditer(text, span.start, span.end))
    while tokens and (is_common_word(tokens[0].group()) or is_title(tokens[0].group())):
        tokens.pop(0)
    while tokens and is_common_word(tokens[-1].group()):
        tokens.pop()
    if not tokens:
        return replace(span, end=span.start)
    return replace(span, start=tokens[0].start(), end=tokens[-1].end())


def is_shouting(text: str) -> bool:
    """A note written mostly in capitals, where capitals say nothing about names."""
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))


def keep(span: Span, text: str, shouting: bool) -> bool:
    """Cued recognizers already checked the name itself; uncued hits need a listed name or Title case."""
    if span.recognizer not in (NER_RECOGNIZER, *LIST_RECOGNIZERS):
        return True
    found = text[span.start : span.end]
    if is_common_word(found):
        return False
    if span.recognizer in LIST_RECOGNIZERS:
        return True
    if any(is_listed_name(m.group()) for m in NAME_WORD.finditer(found)):
        return True
    return span.entity == PERSON and not shouting and found[:1].isupper() and not found.isupper()
