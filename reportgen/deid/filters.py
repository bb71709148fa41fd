"""What the analyzer drops or trims after the recognizers ran: the clinical filter for uncued hits.

spaCy's small model on clinical text: PERSON/LOCATION spans holding a known
name are mostly right; Title-case PERSON spans of two words or more in mixed-case
notes are worth keeping; the rest (lower-case or all-caps notes, a lone unlisted
word: mostly a misspelled drug or jargon) was measured ~95% noise.
"""

from __future__ import annotations

import re
from dataclasses import replace

from reportgen.deid.patterns import CREDENTIAL, is_title
from reportgen.deid.recognizers import PERSON
from reportgen.deid.spans import Span
from reportgen.deid.vocab import general_names
from reportgen.deid.wordtests import is_common_word, is_listed_name

NER_RECOGNIZER = "SpacyRecognizer"
# Uncued hits from the general name and place lists: `keep` checks them.
LIST_RECOGNIZERS = ("GeneralNameRecognizer", "GeneralPlaceRecognizer")

NAME_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]+")
_NAME_OR_INITIAL = re.compile(r"[A-Za-z][A-Za-z'\-]*")  # "J. Yi": trimming must keep the initial
# After a name, a credential or a lone lower-case letter is no part of it ("David Murray RRT", "Franklin Square w/").
_TRAILER = re.compile(rf"{CREDENTIAL}|[a-z]")


def trim(span: Span, text: str) -> Span:
    """NER spans without their edge words that are not names: "dr healey aware" -> "healey"."""
    if span.recognizer != NER_RECOGNIZER:
        return span
    tokens = list(_NAME_OR_INITIAL.finditer(text, span.start, span.end))
    mixed = any(not t.group().isupper() for t in tokens)
    while tokens and (is_common_word(tokens[0].group()) or is_title(tokens[0].group()) or _label(tokens[0].group(), mixed)):
        tokens.pop(0)
    while tokens and (is_common_word(tokens[-1].group()) or _TRAILER.fullmatch(tokens[-1].group()) or _label(tokens[-1].group(), mixed)):
        tokens.pop()
    if not tokens:
        return replace(span, end=span.start)
    return replace(span, start=tokens[0].start(), end=tokens[-1].end())


def _label(word: str, mixed: bool) -> bool:
    """A short capitalized abbreviation beside a name that is not in capitals: a header label ("Smith, John MRN:")."""
    return mixed and word.isupper() and 2 <= len(word) <= 4 and not is_listed_name(word)


def is_shouting(text: str) -> bool:
    """A note written mostly in capitals, where capitals say nothing about names."""
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) > 0.6 * max(1, len(letters))


_SEGMENT = re.compile(r"[^\n.?!]*(?:[.?!]+|\n|$)")
_LOWER_WORD = re.compile(r"[a-z]+")
# spaCy's small pipeline sees about four tokens either side of a word (tok2vec window 1, depth 4):
# this much text around a kept sentence keeps its predictions as they were on the whole text.
_CONTEXT = 48


def ner_view(text: str) -> str:
    """The text spaCy needs to see, same length and offsets: lower-case sentences holding no
    common name are blanked, except the context next to a kept one, since `keep` drops every
    spaCy span there anyway (a lower-case span stays only when it holds a common listed name).
    A visit transcript is mostly such sentences, and spaCy is most of the time a note takes."""
    common = general_names().common
    kept: list[tuple[int, int]] = []  # character ranges spaCy sees
    for m in _SEGMENT.finditer(text):
        segment = m.group()
        if any(c.isupper() for c in segment) or any(w in common for w in _LOWER_WORD.findall(segment)):
            kept.append((max(0, m.start() - _CONTEXT), min(len(text), m.end() + _CONTEXT)))
    pieces, last = [], 0
    for start, end in kept:
        if start > last:
            pieces.append(_blank(text[last:start]))
        pieces.append(text[max(start, last) : end])
        last = max(last, end)
    pieces.append(_blank(text[last:]))
    return "".join(pieces)


def _blank(gap: str) -> str:
    """Spaces for the gap's characters (newlines kept), opened by a full stop so that no entity runs across it."""
    if len(gap) < 2:
        return gap
    return "." + re.sub(r"[^\n]", " ", gap[1:])


def keep(span: Span, text: str, shouting: bool) -> bool:
    """Cued recognizers already checked the name itself; uncued hits need a listed name, or two Title-case words."""
    if span.recognizer not in (NER_RECOGNIZER, *LIST_RECOGNIZERS):
        return True
    found = text[span.start : span.end]
    if is_common_word(found):
        return False
    if span.recognizer in LIST_RECOGNIZERS:
        return True
    if any(is_listed_name(m.group()) for m in NAME_WORD.finditer(found)):
        return True
    # An unlisted Title-case word alone is mostly a drug or jargon ("Levofed", "Lacrilube"); two are a name.
    return span.entity == PERSON and not shouting and found[:1].isupper() and not found.isupper() and len(NAME_WORD.findall(found)) > 1
