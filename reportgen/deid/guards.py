"""Guards: clinical text that looks like an identifier and never is one.

Every span any recognizer reports (patterns, lists, spaCy, a trained tagger) passes
these before it is replaced; a span from the user's site lists always stays.

- A clinical value (pain 2/10, strength 4/5, murmur 3/6, "a 6/10") is never a date,
  phone or ID: decided from the value's shape and the words around it.
- An eponym ("Murphy's sign", "Romberg test", "Kernig and Brudzinski signs",
  "Child-Pugh class") is no person or place: the grammar of eponyms, and the proper
  nouns of the shipped vocabularies' titles.
- A dosing or frequency phrase ("twice a day", "every morning") holds no name.
- A capitalized verb or hedge at the start of a sentence ("Will obtain", "May consider",
  "Hope to wean") is no name unless a cue said so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from reportgen.deid.filters import LIST_RECOGNIZERS
from reportgen.deid.recognizers import AGE, DATE, ID, LOCATION, PERSON, PHONE
from reportgen.deid.spans import Span
from reportgen.deid.vocab import clinical_words, english_words, stop_words, vocabulary_eponym_heads, vocabulary_eponyms
from reportgen.deid.wordtests import is_medical_word

# Cues strong enough that no guard overrides them ("Dr. Murphy's test results").
_TRUSTED = ("TitledNameRecognizer",)
_SITE_LIST = "SiteList"
_FACILITY = "FacilityRecognizer"

# ---- clinical values -------------------------------------------------------------------------

# A score or fraction: 2/10, 4+/5, 5-/5, 12/27 (no year part); the shape a month/day date shares.
_FRACTION = re.compile(r"\d{1,3}[+-]?/\d{1,3}")
# Words that introduce a scored measure; the value follows within its clause.
MEASURE_WORDS = frozenset(
    "pain strength power grade murmur murmurs sem score scores scale scales centor gcs apgar apgars phq phq-9 gad gad-7 "
    "mmse moca reflex reflexes dtr dtrs pulse pulses acuity vision va bp pressure pressures motor grip rue lue rle lle ue le "
    "test tests rated rate rating range ranges dilated dilation cervix effaced sats saturation crackles rales".split()
)
# Ventilator settings, closer before the value ("CPAP 5/5", "bipap overnight 10/5", "weaning trial 5/5", "RR 14-19, & 5/10"),
# since a line's date often follows them at a distance ("vent via trach (placed 8/14)").
VENT_WORDS = frozenset("vent ventilator ventilation settings setting cpap bipap bi-pap ps psv peep simv imv ips flowby fio2 tv rr mask trial".split())
# A unit or measured thing right after the value.
_VALUE_AFTER = re.compile(
    r"\s*(?i:murmur|sem|systolic|diastolic|holosystolic|strength|str|cm|mm|mg|mcg|ml|units?|out\s+of|reflex(?:es)?|pain|mmhg|in\s+the\s+(?:left|right)\s+eye|"
    r"cp|angina|chest|incisional|discomfort|headache|(?:way\s+)?up|amps?|gallons?|tabs?|cups?|ns|cpap|bipap|ps|ips)\b|%"
)
# A simple fraction (1/2, 2/3, 3/4): a quantity unless a date cue precedes it ("D5 1/2", "1/2 amp").
_SIMPLE_FRACTION = re.compile(r"([1-3])/([2-4])")
# Ventilator settings written as one run: "600x12/5/40%", "SETTINGS 10/5/65%".
_SETTINGS_RUN = re.compile(r"\d{1,3}/\d{1,3}/\d{1,3}")
# "on 2/10", "since 3/4": a date.
_DATE_BEFORE = re.compile(r"(?i:\b(?:on|since|from|until|till|by|dated|thru|through|after|before|in|placed)\s*)$")
_ARTICLE_BEFORE = re.compile(r"(?i:\b(?:a|an)\s+)$")  # "it's a 6/10", "about a 2/10": a score, never a date
_CLAUSE_END = re.compile(r"[.;!?\n\[\]](?!\d)")  # not ':' ("Pain score: 5/10")
_WORD = re.compile(r"[a-z][a-z0-9\-]*")


def is_clinical_value(span: Span, text: str) -> bool:
    """A date, phone or ID span that is a score or fraction, by its shape and the words around it."""
    value = text[span.start : span.end]
    if span.entity not in (DATE, PHONE, ID, AGE):
        return False
    if _SETTINGS_RUN.fullmatch(value) and text.startswith("%", span.end):
        return True
    if not _FRACTION.fullmatch(value):
        return False
    if _VALUE_AFTER.match(text, span.end):
        return True
    before = text[max(0, span.start - 60) : span.start]
    if _ARTICLE_BEFORE.search(before):
        return True
    if _DATE_BEFORE.search(before):
        return False
    if (m := _SIMPLE_FRACTION.fullmatch(value)) and int(m[1]) < int(m[2]):
        return True
    clause = _CLAUSE_END.split(before)[-1].lower()
    found = _WORD.findall(clause)
    return any(w in MEASURE_WORDS for w in found[-6:]) or any(w in VENT_WORDS for w in found[-3:])


# ---- eponyms ---------------------------------------------------------------------------------

# The heads of eponyms in exam findings, problem lists and plans.
EPONYM_HEADS = frozenset(
    "sign signs test tests disease diseases syndrome palsy fracture fractures procedure operation maneuver maneuvers manoeuvre "
    "score scores scale scales rule rules criteria monitor phenomenon point node nodes cyst contracture classification class "
    "stage staging triad reflex murmur ulcer lymphoma sarcoma tumor tumour thyroiditis esophagus catheter tube respirations "
    "breathing position chart method technique law index equation formula repair incision line ligament tendon space body "
    "bodies disorder anomaly deformity dystrophy paralysis neuralgia neuroma duct gland canal".split()
)
_AFTER_NAME = re.compile(r"(?:'s|s'|')?((?:[\s\-]+[A-Za-z][\w'\-]*){1,4})")


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return EPONYM_HEADS | vocabulary_eponym_heads()


def is_eponym(span: Span, text: str) -> bool:
    """"Murphy's sign", "Romberg test", "Kernig and Brudzinski signs", "Ottawa ankle rules", "Crohn's"."""
    if span.entity not in (PERSON, LOCATION) or span.recognizer == _FACILITY:  # "per U Maryland scale": the place's own
        return False
    possessive = text.startswith(("'s", "s'"), span.end)
    if possessive and all(w in vocabulary_eponyms() for w in _name_words(text[span.start : span.end])):
        return True
    m = _AFTER_NAME.match(text, span.end)
    if not m:
        return False
    ordinary = 0
    for word in m.group(1).replace("-", " ").split():
        w = word.lower()
        if w in _heads() or (possessive and _uncued(span) and is_medical_word(w)):  # "Hashimoto's thyroiditis", not "Smith's plan"
            return True
        # Between the name and its head: other names written Title-case ("Kernig and Brudzinski"), or one
        # clinical word ("Ottawa ankle rules"). In capitals ("SMITH AWARE OF LINE") case says nothing.
        if w in ("and", "&") or (word.istitle() and w not in stop_words()):
            continue
        ordinary += 1
        if ordinary > 1 or w not in clinical_words() or w in stop_words():
            return False
    return False


def _name_words(found: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", found)]


# ---- dosing and frequency --------------------------------------------------------------------

_DOSING = re.compile(
    r"(?i:\b(?:once|twice|thrice|(?:one|two|three|four|five|six|\d+)\s+times?|every(?:\s+other)?|each|per|a|an|q)\s+"
    r"(?:a\s+|per\s+)?(?:day|days|week|weeks|month|months|night|nights|morning|mornings|evening|evenings|hour|hours|meal|meals)\b|"
    r"\b(?:at\s+bedtime|as\s+needed|as\s+directed|with\s+(?:meals|food|breakfast|dinner|lunch)|before\s+(?:meals|bed|breakfast)|"
    r"in\s+the\s+(?:morning|evening|afternoon)|at\s+night)\b)"
)


def is_dosing(span: Span, text: str) -> bool:
    """A span inside "twice a day", "every morning", "at bedtime"."""
    if span.entity not in (PERSON, LOCATION, DATE):
        return False
    window_start = max(0, span.start - 30)
    return any(m.start() <= span.start - window_start and m.end() >= span.end - window_start for m in _DOSING.finditer(text[window_start : span.end + 30]))


# ---- sentence starts -------------------------------------------------------------------------

_SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n\s*|\]\s+)$")
_NEXT_LOWER = re.compile(r"\s+[a-z]")


def is_sentence_start_word(span: Span, text: str) -> bool:
    """An uncued single word opening a sentence, an English or clinical word, followed by a
    lower-case word: "Will obtain", "May consider", "Hope to wean", "Grant of disability"."""
    if not _uncued(span) or span.entity not in (PERSON, LOCATION):
        return False
    word = text[span.start : span.end]
    if not word.isalpha() or not word.istitle():
        return False
    if not _SENTENCE_START.search(text, max(0, span.start - 3), span.start) and span.start != 0:
        return False
    w = word.lower()
    return (w in english_words() or w in clinical_words()) and _NEXT_LOWER.match(text, span.end) is not None


def _uncued(span: Span) -> bool:
    """Found by a list, spaCy, a tagger, or as a neighbour or other mention: no cue said it was a name."""
    return span.pattern is None or span.recognizer in LIST_RECOGNIZERS


# ---- all guards ------------------------------------------------------------------------------

GUARDS = {
    "clinical value": is_clinical_value,
    "eponym": is_eponym,
    "dosing phrase": is_dosing,
    "sentence-start word": is_sentence_start_word,
}


def guarded_by(span: Span, text: str) -> str | None:
    """The name of the guard that clears this span, or None (site lists and strong titles always stay)."""
    if span.recognizer.startswith(_SITE_LIST) or span.recognizer in _TRUSTED:
        return None
    for name, guard in GUARDS.items():
        if guard(span, text):
            return name
    return None


def unguarded(spans: Sequence[Span], text: str) -> list[Span]:
    return [s for s in spans if guarded_by(s, text) is None]
