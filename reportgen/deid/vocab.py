"""Word lists for de-identification: the clinical allow-list, everyday English,
the general name and place lists, and the user's site lists (staff roster,
facilities, patient names/MRNs).

None of these lists is built from gold annotations. The clinical allow-list is
the shipped vocabularies (ICD-10-CM titles, Disease Ontology names, the
abbreviation list) plus a hand-written list of drugs and nursing jargon.
Everyday English is SCOWL's lower-case entries plus the words of clinicians'
notes. The name list is Faker's en_US first/last names and the place list US
places from GeoNames, both minus any word the allow-list, spaCy's stop words or
everyday English hold. data/ is rebuilt by `reportgen.deid.build_words`.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportgen.errors import InputError
from reportgen.resources import corpora_dir

_DATA = Path(__file__).resolve().parent / "data"
_WORD = re.compile(r"[a-z][a-z0-9'&\-]*")


def words(text: str) -> Iterator[str]:
    return (m.group().strip("'-") for m in _WORD.finditer(text.lower()))


@lru_cache(maxsize=1)
def hand_words() -> frozenset[str]:
    """The hand-written list of drugs, devices and nursing jargon (data/clinical_terms.txt)."""
    lines = (_DATA / "clinical_terms.txt").read_text().splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.lower().split())


def _abbreviations(corpora: Path) -> Iterator[str]:
    path = corpora / "abbreviations.tsv"
    if not path.is_file():
        return
    with path.open(newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            yield row["term"].lower()
            yield from words(row["expansions"].replace("|", " "))


def _icd10cm(corpora: Path) -> Iterator[str]:
    path = corpora / "icd10cm" / "icd10cm-2026.jsonl.gz"
    if not path.is_file():
        return
    with gzip.open(path, "rt") as f:
        for line in f:
            record = json.loads(line)
            yield record.get("description", "")
            yield from record.get("inclusion_terms") or []


def _doid(corpora: Path) -> Iterator[str]:
    folder = corpora / "doid"
    for path in sorted(folder.glob("*.tsv.gz")) if folder.is_dir() else []:
        with gzip.open(path, "rt") as f:
            for row in csv.reader(f, delimiter="\t"):
                yield from row[1:3]  # id, name, synonyms...: names only


@lru_cache(maxsize=1)
def vocabulary_titles(corpora: Path | None = None) -> tuple[str, ...]:
    """The titles of the shipped vocabularies (ICD-10-CM descriptions and inclusion terms, DOID names)."""
    corpora = corpora or corpora_dir()
    return (*_icd10cm(corpora), *_doid(corpora))


@lru_cache(maxsize=1)
def clinical_words() -> frozenset[str]:
    """Lower-cased words of the clinical vocabularies: never a name or a place on their own."""
    found: set[str] = set(hand_words())
    found.update(_abbreviations(corpora_dir()))
    for title in vocabulary_titles():
        found.update(words(title))
    return frozenset(w for w in found if len(w) > 1)


# Capitalized inside a vocabulary title ("Crohn's disease", "von Willebrand", "Hodgkin lymphoma"): a proper noun.
_INNER_CAPITAL = re.compile(r"(?<=[\s(\[,])([A-Z][a-z]+(?:-[A-Z][a-z]+)*)(?:'s)?(?![\w-])")
_POSSESSIVE_HEAD = re.compile(r"(?<=[\s(\[,])[A-Z][a-z]+'s\s+([a-z]+)")  # not "Patient's noncompliance" opening a title


@lru_cache(maxsize=1)
def vocabulary_eponyms() -> frozenset[str]:
    """Proper nouns of the vocabulary titles, lower-cased ("crohn", "hodgkin", "parkinson")."""
    return frozenset(m.group(1).lower() for title in vocabulary_titles() for m in _INNER_CAPITAL.finditer(title))


@lru_cache(maxsize=1)
def vocabulary_eponym_heads() -> frozenset[str]:
    """What follows "<Name>'s" in the vocabulary titles ("disease", "fracture", "esophagus")."""
    return frozenset(m.group(1) for title in vocabulary_titles() for m in _POSSESSIVE_HEAD.finditer(title)) - stop_words()


def _lines(name: str) -> list[str]:
    path = _DATA / name
    text = gzip.decompress(path.read_bytes()).decode() if name.endswith(".gz") else path.read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Everyday words of clinicians' notes (data/common_words.txt)."""
    return frozenset(_lines("common_words.txt"))


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """SCOWL's lower-case English words (data/english_words.txt.gz): "goal", "hold", but also "hank", "hope"."""
    return frozenset(_lines("english_words.txt.gz"))


@lru_cache(maxsize=1)
def english_names() -> frozenset[str]:
    """English words that are also proper nouns ("hank", "rob", "hope"): they may still be names."""
    return frozenset(_lines("english_names.txt"))


@lru_cache(maxsize=1)
def everyday_english() -> frozenset[str]:
    """English words that are no proper noun too: "goal", "crackles", but not "hank" or "hope"."""
    return english_words() - english_names()


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@dataclass(frozen=True)
class NameList:
    first: frozenset[str]
    last: frozenset[str]
    common: frozenset[str]  # Faker's shorter list: the names common enough to trust in an all-caps note

    def __contains__(self, word: str) -> bool:
        w = word.lower()
        return w in self.first or w in self.last


@lru_cache(maxsize=1)
def general_names() -> NameList:
    """Faker's en_US and the 1990 US Census first and last names, minus clinical words and
    everyday English ("Brown" stays: SCOWL has it as a proper noun too; "Rice" and "Ward" go)."""
    banned = clinical_words() | stop_words() | common_words() | everyday_english()

    def keep(names: Iterable[str]) -> frozenset[str]:
        return frozenset(n for n in names if n not in banned and len(n) > 2)

    return NameList(first=keep(first_names()), last=keep(last_names()), common=keep(faker_names()))


@dataclass(frozen=True)
class PlaceList:
    words: frozenset[str]  # one-word places, lower-cased: "towson"
    phrases: frozenset[str]  # several words, lower-cased: "bel air", "san diego"
    worded: frozenset[str]  # several words that are all everyday words: "walled lake", "mount joy" (Title-case only)
    all: frozenset[str]  # every one-word place, words too ("laurel" in "LAUREL REGIONAL")


@lru_cache(maxsize=1)
def general_places() -> PlaceList:
    """US places (data/places.txt); a one-word place that is also a word ("Harbor", "Mobile") is left out,
    and a phrase of such words ("Walled Lake") is kept apart for the Title-case test."""
    banned = clinical_words() | stop_words() | common_words() | english_words()
    names = [p.lower() for p in _lines("places.txt")]
    phrases = frozenset(p for p in names if " " in p and not all(w in banned for w in p.split()))
    worded = frozenset(p for p in names if " " in p and p not in phrases)
    single = frozenset(p for p in names if " " not in p and len(p) > 2)
    return PlaceList(words=frozenset(p for p in single if p not in banned), phrases=phrases, worded=worded, all=single)


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """Every first name of Faker's and the census lists, lower-cased and unfiltered ("ed", "will")."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in (*Provider.first_names, *_lines("census_first.txt")))


@lru_cache(maxsize=1)
def last_names() -> frozenset[str]:
    """Every last name of Faker's and the census lists, lower-cased and unfiltered ("hickey", "white")."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in (*Provider.last_names, *_lines("census_last.txt.gz")))


@lru_cache(maxsize=1)
def faker_names() -> frozenset[str]:
    """All of Faker's en_US first and last names, lower-cased (unfiltered)."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in (*Provider.first_names, *Provider.last_names))


def read_site_list(path: Path) -> list[str]:
    """One entry per line (a name, a facility, an MRN); '#' starts a comment line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise InputError(f"cannot read site list {path} ({e.strerror}).", "Check deid.deny_lists in your settings.") from None
    return [s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#")]
