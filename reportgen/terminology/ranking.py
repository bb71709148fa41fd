"""Ordering the candidates: reciprocal-rank fusion of the lexical and dense lists, then
the code preferences a coder applies.

- Never code an absent or ruled-out condition as present: such hits are dropped
  (`Query.contradicts`).
- Adult over neonatal and pregnancy codes unless the text speaks of a newborn or a pregnancy,
  and then those codes first (as ICD-10-CM's chapter rules say).
- History, family-history and status codes, not the condition itself, when all the text
  asserts is past ("history of stroke"); a personal-history code for the patient's history,
  a family-history code for the family's.
- Conditions over external causes (V-Y) and health-status factors (Z) unless the text
  is about an accident, a history, a status or an encounter ("blood in my pee" is not a blood type).
- A cancer named by its site is the primary one: secondary (metastatic) neoplasm codes only
  when the text says it spread.
- Billable codes over category headings; a category keeps its place only when no
  code under it is among the candidates.
- A combination code ("Type 2 diabetes mellitus with foot ulcer", "Hypertensive heart disease with heart failure")
  only when the text names its first condition too: for "foot ulcer" it asserts a diabetes nobody said.
- The side the text names (right, left, bilateral; LLE and "L hip" read by understanding).
- "Unspecified" when the text gives no detail: a code whose title (or, if closer, one of
  its inclusion terms: I10's "hypertension (arterial) (benign) ...") adds detail the query
  does not mention ranks below one that does not; an inclusion term "X NOS" ("Vertigo NOS"
  under R42) marks the code for a bare X.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import NamedTuple

from reportgen.terminology.analysis import analyze, term_set
from reportgen.terminology.terms import Hit
from reportgen.terminology.understanding import Query

RRF_K = 60  # the usual reciprocal-rank constant: later ranks still count, the first few count most
# Factors on a candidate's score (relative to the best candidate's), set on the dev queries.
NEONATAL_OR_PREGNANCY = 0.5  # a newborn or pregnancy code the text gives no reason for (or another code when it does)
CATEGORY = 0.8  # a category heading when a code under it is a candidate
DETAIL = 0.9  # per title word of detail the query does not mention (at most 3)
EXACT = 1.2  # the title or an inclusion term names all the query asks and nothing more
MISSING = 0.9  # per query word (at most 3) that neither the title nor any one inclusion term names
NOS = 4.0  # ... and it is an inclusion term "X NOS": ICD-10-CM's code for a bare X
CIRCUMSTANCE = 0.6  # an external cause (V-Y) or a health-status factor (Z) the text gives no reason for
UNSAID = 0.6  # a combination code "X with Y" for text that names Y alone: it asserts an X the text does not say
SIDE = 1.1  # names the side the text gives (a title naming another side gets OTHER_SIDE)
OTHER_SIDE = 0.5
UNSPECIFIED = 1.05  # "unspecified": the code for text that gives no detail
OTHER = 0.95  # "Other ...": a detail that was documented but has no code of its own
_NEWBORN_OR_PREGNANT = re.compile(
    r"\b(newborn|neonat\w*|perinatal|infant|fetus|fetal|congenital|birth|pregnan\w*|gestation\w*|"
    r"obstetric\w*|antepartum|postpartum|puerper\w*|trimester|labou?r|delivery|childbirth|maternal)\b",
    re.IGNORECASE,
)
# Words that make an external cause or a health-status factor (rather than a condition) what the text is about.
_CIRCUMSTANTIAL = re.compile(
    r"\b(history|family|status|screening|encounter|examination|exam|vaccination|counsel\w*|presence|absence|"
    r"allerg\w*|bmi|body mass|long[- ]term|carrier|contact with|exposure|follow[- ]up|aftercare|transplant\w*|"
    r"fall|fell|accident|collision|struck|bitten|bite|assault\w*|burn\w*|drown\w*|poison\w*|overdose|injur\w*|"
    r"occupation\w*|homeless\w*|unemploy\w*|smok\w*|tobacco|alcohol|drug use|noncomplian\w*|underdos\w*)\b",
    re.IGNORECASE,
)
_PAST_TITLE = re.compile(r"^(old|personal history|sequelae)\b|\bsequelae\b", re.IGNORECASE)
_ABOUT_THE_PAST = re.compile(r"\b(history|status|old|sequelae|presence of|absence of|aftercare)\b", re.IGNORECASE)
PAST = ("history", "family", "status")
_FAMILY_TITLE = re.compile(r"family history\b", re.IGNORECASE)
_PERSONAL_TITLE = re.compile(r"personal history\b", re.IGNORECASE)
_SECONDARY = re.compile(r"\bsecondary malignant\b", re.IGNORECASE)
_SPREAD = re.compile(r"\b(secondar\w*|metasta\w*|spread\w*|mets)\b", re.IGNORECASE)
_NOS = re.compile(r"\bNOS\b")
_SIDE = re.compile(r"\b(left|right|bilateral)\b", re.IGNORECASE)
# Title words that add no detail: ICD-10-CM's fillers, parenthesized nonessential modifiers, "without ..." parts.
_NO_DETAIL = set(analyze("unspecified other specified site not elsewhere classified nos type and or due with of the disorder disease"))
# Parenthesized nonessential modifiers, bracketed synonyms ("Panic disorder [episodic paroxysmal anxiety]"),
# "without ..." parts, what follows ", unspecified" up to a "with" ("Pneumonia, unspecified organism"; not the fistula
# of "Ulcerative colitis, unspecified with fistula") and an alternative after "or" ("... with stage 5 chronic kidney
# disease or end stage renal disease").
NONESSENTIAL = re.compile(r"\([^)]*\)|\[[^\]]*\]|\bwithout\b.*?(?=\bwith\b|[,;]|$)|,\s*unspecified\b[^,;]*?(?=\s+with\b|[,;]|$)|\bor\b[^,;]*",
                          re.IGNORECASE)


def fuse(lists: Sequence[Sequence[Hit]], weights: Sequence[float] | None = None) -> list[Hit]:
    """Reciprocal-rank fusion: each hit scores sum(weight / (RRF_K + rank)) over the lists it is in."""
    scores: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], Hit] = {}
    for hits, weight in zip(lists, weights or [1.0] * len(lists)):
        for rank, hit in enumerate(hits, start=1):
            key = (hit.system, hit.code)
            scores[key] = scores.get(key, 0.0) + weight / (RRF_K + rank)
            first.setdefault(key, hit)
    return sorted((replace(first[key], score=score) for key, score in scores.items()), key=lambda h: -h.score)


def prefer(hits: Sequence[Hit], query: Query | None, text: str, k: int | None = None) -> list[Hit]:
    """Re-score `hits` (ordered, best first) with the coder's preferences; the best `k` (default: all)."""
    if query is not None:
        hits = [h for h in hits if not query.contradicts(h.title)]
    if not hits:
        return []
    asked = set(analyze(text))
    special = bool(_NEWBORN_OR_PREGNANT.search(text))
    circumstantial = bool(_CIRCUMSTANTIAL.search(text))
    spread = bool(_SPREAD.search(text))
    side = next((m.laterality for m in query.mentions if m.laterality), None) if query is not None else None
    # "history of stroke": nothing is asserted present now, so a present-condition code is the wrong kind.
    past_only = query is not None and bool(query.mentions) and all(m.assertion in PAST for m in query.mentions)
    # Whose history: the patient's ("hx of CVA") is never a family-history code, and the other way round.
    whose = {m.assertion for m in query.mentions} if query is not None else set()
    # Every proper prefix of a candidate code: a category is one of them when a code under it is a candidate.
    parents = {h.code[:i] for h in hits for i in range(1, len(h.code))}
    top = max(h.score for h in hits) or 1.0
    scored = []
    for h in hits:
        title = _title(h.title)
        factor = 1.0
        if special != (title.newborn_or_pregnancy or (h.system == "icd10cm" and h.code[:1] in "OP")):
            factor *= NEONATAL_OR_PREGNANCY  # the chapters for newborns and pregnancy come first when they apply
        if not circumstantial and h.system == "icd10cm" and h.code[:1] in "VWXYZ":
            factor *= CIRCUMSTANCE
        elif not circumstantial and title.past:
            factor *= CIRCUMSTANCE  # "Old myocardial infarction" for a heart attack now
        if not spread and title.secondary:
            factor *= CIRCUMSTANCE  # a cancer named by its site is the primary one unless the text says it spread
        if past_only and not (h.code[:1] == "Z" or title.about_the_past):
            factor *= CIRCUMSTANCE
        if ("history" in whose and "family" not in whose and title.family) or (
            "family" in whose and "history" not in whose and title.personal
        ):
            factor *= CIRCUMSTANCE
        if asked and (combination := _combination(h.title)) is not None and asked <= combination[1] and combination[0] - asked:
            factor *= UNSAID
        if h.billable is False and h.code in parents:
            factor *= CATEGORY
        factor *= _fit(h, asked)
        if side is not None and title.sides:
            factor *= SIDE if side in title.sides else OTHER_SIDE
        elif side is None and title.unspecified:
            factor *= UNSPECIFIED
        elif title.other:
            factor *= OTHER
        scored.append((h.score / top * factor, h))
    scored.sort(key=lambda pair: -pair[0])  # stable, as sorting the hits was
    return [replace(h, score=score) for score, h in scored[:k]]  # only those returned: replace() is slow


def _fit(hit: Hit, asked: set[str]) -> float:
    """How well the closest of a code's wordings (its title, inclusion terms) says what was asked."""
    # A wording naming nothing asked says only more (detail 3) and leaves every asked word unnamed: the
    # starting values. Only the wordings that share a word with the query are read further (the costly
    # regex and analysis of `_wording`, for a pool of 40 candidates a search).
    detail, missing = 3, min(3, len(asked))
    exact = nos = False
    for wording in (hit.title, *hit.wordings):
        if not (words := term_set(wording)) & asked:
            continue
        core, is_nos = _wording(wording)
        extra = len(core - asked) if core & asked else 3
        unnamed = len(asked - words)
        if extra == 0 and unnamed == 0:
            exact, nos = True, nos or is_nos
        detail, missing = min(detail, extra), min(missing, unnamed)
    if nos:
        return NOS  # "Vertigo NOS" under R42, "Seizure(s) (convulsive) NOS" under R56.9
    if exact:
        return EXACT
    return DETAIL ** detail * MISSING ** missing


@lru_cache(maxsize=200_000)
def _wording(text: str) -> tuple[frozenset[str], bool]:
    """A title's or inclusion term's words that carry detail, and whether it is an "X NOS".
    Cached: the same candidates come back query after query."""
    core = frozenset(analyze(NONESSENTIAL.sub(" ", text))) - _NO_DETAIL
    return core, bool(_NOS.search(text))


@lru_cache(maxsize=200_000)
def _combination(title: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """A combination code's title, "<condition> with <another>": the first part's words of detail and the
    second part's words (None for a title without "with")."""
    first, with_, second = title.partition(" with ")
    if not with_:
        return None
    return frozenset(analyze(NONESSENTIAL.sub(" ", first))) - _NO_DETAIL, frozenset(analyze(second))


def names_the_past(title: str) -> bool:
    """A code for a past condition or a relative's ("Personal history of ...", "Old ...", "Family history of ...")."""
    read = _title(title)
    return read.past or read.family


class _Title(NamedTuple):
    """What the preferences read in a title alone."""

    newborn_or_pregnancy: bool
    past: bool  # "Old ...", "Personal history ...", "... sequelae"
    about_the_past: bool
    secondary: bool
    family: bool
    personal: bool
    sides: frozenset[str]
    unspecified: bool
    other: bool


@lru_cache(maxsize=200_000)
def _title(title: str) -> _Title:
    """Cached: the same candidates come back query after query (and twice in a search that asks the dense side)."""
    return _Title(
        newborn_or_pregnancy=bool(_NEWBORN_OR_PREGNANT.search(title)),
        past=bool(_PAST_TITLE.search(title)),
        about_the_past=bool(_ABOUT_THE_PAST.search(title)),
        secondary=bool(_SECONDARY.search(title)),
        family=bool(_FAMILY_TITLE.match(title)),
        personal=bool(_PERSONAL_TITLE.match(title)),
        sides=frozenset(s.lower() for s in _SIDE.findall(title)),
        unspecified="unspecified" in title.lower(),
        other=title.startswith("Other"),
    )
