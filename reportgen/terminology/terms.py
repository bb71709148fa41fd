"""What every vocabulary is loaded into, and what every backend returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic models: loaded when a report is made, not for a terminology search
    from reportgen.report import Code

FORMAT = 6  # of every backend's index: bump when the schema or analysis changes, older indexes must be rebuilt
VECTORS_FILE = "vectors.npy"  # beside an index built with term vectors (`dense.Vectors` writes it)


@dataclass(frozen=True)
class Term:
    """One concept of one vocabulary, as indexed."""

    system: str  # 'icd10cm', 'doid', 'hp', or a user vocabulary's name
    code: str
    title: str
    synonyms: tuple[str, ...] = ()  # inclusion terms, exact synonyms
    notes: tuple[str, ...] = ()  # "includes" notes, broader context
    billable: bool | None = None  # ICD-10-CM: a leaf code; False marks a category


@dataclass(frozen=True)
class Hit:
    system: str
    code: str
    title: str
    score: float
    matched_field: str  # 'title', 'synonyms' or 'notes'
    billable: bool | None = None
    wordings: tuple[str, ...] = ()  # synonyms and notes (ICD-10-CM inclusion terms, includes): read by the preferences

    def to_code(self, source: str) -> Code:
        from reportgen.report import Code

        return Code(
            system=self.system,
            code=self.code,
            title=self.title,
            score=round(self.score, 4),
            source=source,
            matched_field=self.matched_field,
        )


@dataclass(frozen=True)
class Source:
    """Where a vocabulary came from: shown by `terms info`, recorded in the index."""

    system: str
    version: str
    name: str  # file name, never a full path (it may name a user's directory)
    count: int
    license: str = ""
    attribution: str = ""


@dataclass
class Corpus:
    source: Source
    terms: list[Term] = field(default_factory=list)


@dataclass(frozen=True)
class Stats:
    backend: str
    location: str
    count: int
    version: str  # the sources, e.g. 'icd10cm 2026 + doid 2026-08-19'
    built_at: str  # ISO 8601, UTC
    sources: tuple[Source, ...] = ()
