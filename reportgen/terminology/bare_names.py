"""ICD-10-CM's code for a bare name: an inclusion term "X NOS" ("diabetes NOS" under E11,
"Myxedema NOS" under E03.9), or where a site is what is left unsaid "X unspecified site"
("Malignancy unspecified site (primary)" under C80.1), is the classification's own answer to X
said without detail, and a category's answer is its ".9" code when it has one (E11 -> E11.9). A search ranks
candidates by their words, and for a one-word name like "diabetes" the hundreds of titles
that repeat it crowd E11 out of the candidates (Diabetes insipidus came first).

The table is computed from the vocabularies when an index is built and stored with it, so a
search and the problem coder read it without loading the vocabularies (0.4 s)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reportgen.terminology.analysis import analyze
from reportgen.terminology.terms import Corpus, Hit

# The name X, its stems as the index analyses it (stored: analysing 2,000 names took 18 ms of every
# search's start), and the code, title and billability ICD-10-CM gives it.
BareName = tuple[str, tuple[str, ...], str, str, bool | None]

_NOS = re.compile(r"^(?P<name>[^()]+?)(?:\s*\([^)]*\))*\s+NOS$")  # "Seizure(s) (convulsive) NOS" has its name first
# The same answer where a site is what is left unsaid ("Malignancy unspecified site (primary)", "Malignant neoplasm
# of minor salivary gland, unspecified site").
_UNSPECIFIED_SITE = re.compile(r"^(?P<name>[^(),]+?),?\s+unspecified site(?:\s*\([^)]*\))*$")


def bare_names(corpora: Sequence[Corpus]) -> list[BareName]:
    """Every "X NOS" or "X unspecified site" inclusion term of the ICD-10-CM vocabularies, with the code it names."""
    terms = {t.code: t for corpus in corpora if corpus.source.system == "icd10cm" for t in corpus.terms}
    found = []
    for term in terms.values():
        for wording in (*term.synonyms, *term.notes):
            if m := _NOS.match(wording) or _UNSPECIFIED_SITE.match(wording):
                code = terms.get(term.code + ".9") if "." not in term.code else None
                code = code or term
                name = m.group("name")
                found.append((name, tuple(analyze(name)), code.code, code.title, code.billable))
    return found


def from_json(rows: Iterable[Sequence[Any]]) -> list[BareName]:
    """The table as an index stores it (JSON lists) back into BareName rows."""
    return [(name, tuple(stems), code, title, billable) for name, stems, code, title, billable in rows]


def by_words(names: Iterable[BareName], words: Callable[[str], Iterable[str]] | None = None) -> dict[frozenset[str], BareName]:
    """The names keyed by their words as the caller reads them (default: the index's stems); a key
    two codes share is left out. Built at a search's start: kept to dictionary work (~2 ms)."""
    found: dict[frozenset[str], BareName] = {}
    shared = set()
    for row in names:
        if key := frozenset(words(row[0]) if words else row[1]):
            if found.setdefault(key, row)[2] != row[2]:
                shared.add(key)
    for key in shared:
        del found[key]
    return found


def as_hit(row: BareName) -> Hit:
    _name, _stems, code, title, billable = row
    return Hit("icd10cm", code, title, 1.0, "synonyms", billable)
