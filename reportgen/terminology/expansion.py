"""Client-side query expansion from the curated abbreviation and lay-term list
(`corpora/abbreviations.tsv`), so every backend sees the same expanded query."""

from __future__ import annotations

import csv
import re
from functools import cached_property
from pathlib import Path

from reportgen.errors import InputError
from reportgen.resources import corpora_dir

ABBREVIATIONS_FILE = "abbreviations.tsv"


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
        # Longest first, so "high blood pressure" wins over "high blood"; whole words only.
        terms = sorted(self.table, key=len, reverse=True)
        return re.compile(r"(?<![\w/])(" + "|".join(re.escape(t) for t in terms) + r")(?![\w/])", re.IGNORECASE)

    def expand(self, query: str) -> str:
        found = dict.fromkeys(m.group(1).lower() for m in self._pattern.finditer(query))
        additions = dict.fromkeys(e for term in found for e in self.table[term])
        return " ".join([query, *additions]) if additions else query
