"""Client-side query expansion from the curated abbreviation and lay-term list
(`corpora/abbreviations.tsv`), so every backend sees the same expanded query.

A term matches as written (whole words, any case; an upper-case abbreviation also with a
plural s: "PVCs"); a term of two or more words also
matches when its analyzed words (stems, stop words dropped) all appear close together in
the query, in any order and with other words between: "swollen ankles" matches "my
ankles are swollen", "peeing a lot" matches "pee a lot at night". A term found inside a
longer one found ("throwing up" in "throwing up blood") adds nothing.

A phrase of two or more words found in a short query (a search, a problem; not a whole note,
where they are a small part of the text) gives way to its expansions: its words are taken out of
its clause, because they match clinical titles literally ("weak bones" would find
Weakness, "night sweats" night blindness). Where the phrase's own words are also the clinical
wording, the table lists them among the expansions ("hair loss" -> alopecia|hair loss).
A single word or abbreviation stays ("sugar", "tired", "htn"): alone it may mean something else too."""

from __future__ import annotations

import csv
import re
from functools import cached_property
from pathlib import Path

from reportgen.alternation import whole_words
from reportgen.errors import InputError
from reportgen.resources import corpora_dir
from reportgen.terminology.analysis import analyze

ABBREVIATIONS_FILE = "abbreviations.tsv"
SHORT = 12  # words: a lay phrase gives way only in a short text (a search, a problem), not in a whole note
SLACK = 2  # other words allowed among a term's words when it matches in any order (within one clause)
_CLAUSE = re.compile(r"[,;.:\n]+")
_CLAUSE_KEPT = re.compile(r"([,;.:\n]+)")  # the same split, keeping the punctuation
_WORD = re.compile(r"[\w'/-]+")
_PLURAL = re.compile(r"\b([A-Z]{2,}[0-9]?)s\b")  # "PVCs", "UTIs": an upper-case abbreviation with a plural s


class Expander:
    """Appends the expansions of every abbreviation or lay term found in a query."""

    def __init__(self, table: dict[str, tuple[str, ...]]):
        self.table = table

    @classmethod
    def load(cls, path: Path | None = None) -> Expander:
        path = path or corpora_dir() / ABBREVIATIONS_FILE
        table: dict[str, tuple[str, ...]] = {}
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t")
            for row in reader:
                if not row.get("term") or not row.get("expansions"):
                    raise InputError(f"{path.name} line {reader.line_num}: expected 'term<TAB>expansions'.")
                table[row["term"].lower()] = tuple(e.strip() for e in row["expansions"].split("|") if e.strip())
        return cls(table)

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        return whole_words(self.table)

    @cached_property
    def _by_stems(self) -> dict[str, list[tuple[str, frozenset[str]]]]:
        """Terms of two or more analyzed words, under their first word in sorted order."""
        index: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for term in self.table:
            stems = frozenset(analyze(term))
            if len(stems) >= 2:
                index.setdefault(min(stems), []).append((term, stems))
        return index

    def _in_any_order(self, query: str) -> list[str]:
        found = []
        for clause in _CLAUSE.split(query):
            words = analyze(clause)
            for term, stems in (t for w in dict.fromkeys(words) for t in self._by_stems.get(w, ())):
                width = len(stems) + SLACK
                if any(stems <= set(words[i:i + width]) for i, w in enumerate(words) if w in stems):
                    found.append(term)
        return found

    def _found(self, query: str) -> list[str]:
        """The abbreviations and lay terms in the query, a term inside a longer one found left out
        ("throwing up blood" is hematemesis, not also vomiting)."""
        plurals = (m.group(1).lower() for m in _PLURAL.finditer(query))
        found = dict.fromkeys([
            *(m.group().lower() for m in self._pattern.finditer(query)),
            *(p for p in plurals if p in self.table),
            *self._in_any_order(query),
        ])
        stems = {term: frozenset(analyze(term)) for term in found}
        return [term for term in found if not any(stems[term] < other for other in stems.values())]

    def found(self, query: str) -> dict[str, tuple[str, ...]]:
        """The terms found in the query and their expansions: "smoking" -> ("nicotine dependence", "tobacco use")."""
        return {term: self.table[term] for term in self._found(query)}

    def _expansions(self, found: list[str]) -> list[str]:
        return list(dict.fromkeys(e for term in found for e in self.table[term]))

    def expand(self, query: str) -> str:
        found = self._found(query)
        additions = self._expansions(found)
        if not additions:
            return query
        phrases = [p for p in (frozenset(analyze(term)) for term in found) if len(p) >= 2]
        if phrases and len(query.split()) <= SHORT:
            query = " ".join("".join(_give_way(part, phrases) for part in _CLAUSE_KEPT.split(query)).split())
        return " ".join([query, *additions]).strip()


def _give_way(clause: str, phrases: list[frozenset[str]]) -> str:
    """The clause without the words of the phrases it holds all the words of."""
    words = set(analyze(clause))
    replaced = set().union(*(p for p in phrases if p <= words))
    if not replaced:
        return clause
    return _WORD.sub(lambda m: "" if replaced.issuperset(analyze(m.group()) or ["-"]) else m.group(), clause)
