"""ICD-10-CM's code for a bare name: an inclusion term "X NOS" ("diabetes NOS" under E11,
"Myxedema NOS" under E03.9) is the classification's own answer to X said without detail,
and a category's answer is its ".9" code when it has one (E11 -> E11.9). A search ranks
candidates by their words, and for a one-word name like "diabetes" the hundreds of titles
that repeat it crowd E11 out of the candidates (Diabetes insipidus came first).

The table is computed from the vocabularies when an index is built and stored with it, so a
search and the problem coder read it without loading the vocabularies (0.4 s)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from reportgen.terminology.terms import Corpus, Hit

BareName = tuple[str, str, str, bool | None]  # the name X, and the code, title and billability ICD-10-CM gives it

_NOS = re.compile(r"^(?P<name>[^()]+?)(?:\s*\([^)]*\))*\s+NOS$")  # "Seizure(s) (convulsive) NOS" has its name first


def bare_names(corpora: Sequence[Corpus]) -> list[BareName]:
    """Every "X NOS" inclusion term of the ICD-10-CM vocabularies, with the code it names."""
    terms = {t.code: t for corpus in corpora if corpus.source.system == "icd10cm" for t in corpus.terms}
    found = []
    for term in terms.values():
        for wording in (*term.synonyms, *term.notes):
            if m := _NOS.match(wording):
                code = terms.get(term.code + ".9") if "." not in term.code else None
                code = code or term
                found.append((m.group("name"), code.code, code.title, code.billable))
    return found


def by_words(names: Iterable[BareName], words: Callable[[str], Iterable[str]]) -> dict[frozenset[str], Hit]:
    """The table keyed by a name's words as the caller reads them; a key two codes share is left out."""
    codes: dict[frozenset[str], set[str]] = {}
    hits: dict[str, Hit] = {}
    for name, code, title, billable in names:
        if key := frozenset(words(name)):
            codes.setdefault(key, set()).add(code)
            hits[code] = Hit("icd10cm", code, title, 1.0, "synonyms", billable)
    return {key: hits[code] for key, (code, *others) in ((k, sorted(v)) for k, v in codes.items()) if not others}
