"""The gender the text implies for a name, so that a surrogate first name keeps it.

A title before the name (Mr / Mrs, Ms, Miss), a relation word (husband / wife), then the
first pronoun after it (he / she); else the name's own gender in Faker's lists.
"""

from __future__ import annotations

import re
from functools import lru_cache

MALE, FEMALE = "male", "female"

_BEFORE = re.compile(
    r"(?i:\b(?P<male>mr|husband|son|father|dad|brother|uncle|nephew|grandson|boyfriend|grandfather|stepson|stepfather)"
    r"|\b(?P<female>mrs|ms|miss|wife|daughter|mother|mom|sister|aunt|niece|granddaughter|girlfriend|grandmother|stepdaughter|stepmother))"
    r"\s*[.,:\-(]*\s*(?:[A-Za-z]\.?\s+)?$"
)
_PRONOUN = re.compile(r"(?i:\b(?P<male>he|him|his|himself)\b|\b(?P<female>she|her|hers|herself)\b)")


def implied_gender(text: str, start: int, end: int, first_word: str) -> str | None:
    """MALE, FEMALE or None for the name at text[start:end] whose first word is `first_word`."""
    if m := _BEFORE.search(text, max(0, start - 24), start):
        return MALE if m.group("male") else FEMALE
    if m := _PRONOUN.search(text, end, min(len(text), end + 120)):
        return MALE if m.group("male") else FEMALE
    return name_gender(first_word)


def name_gender(word: str) -> str | None:
    w = word.lower()
    female, male = _faker_first_names()
    if w in female and w not in male:
        return FEMALE
    if w in male and w not in female:
        return MALE
    return None


@lru_cache(maxsize=2)
def names_of(gender: str) -> tuple[str, ...]:
    """Faker's first names of only this gender ("Alexis" is both: never a gendered surrogate)."""
    from faker.providers.person.en_US import Provider

    own, other = (Provider.first_names_female, Provider.first_names_male) if gender == FEMALE else (Provider.first_names_male, Provider.first_names_female)
    others = {n.lower() for n in other}
    return tuple(sorted({n for n in own if n.lower() not in others}))


@lru_cache(maxsize=1)
def _faker_first_names() -> tuple[frozenset[str], frozenset[str]]:
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in Provider.first_names_female), frozenset(n.lower() for n in Provider.first_names_male)
