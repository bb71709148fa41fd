"""The structured patient report: what every generator's output is parsed into.

Everything here exists after de-identification: patient fields hold
surrogates or coarse values (age, sex), never the note's identifiers.
`Report.model_dump_json()` / `Report.model_validate_json()` round-trip losslessly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from reportgen import __version__

# The warning a report with nothing from the note carries, whatever wrote it (the batch manifest and summary flag it).
EMPTY_REPORT = "the report is empty: nothing in the note was recognised as clinical content"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Code(Model):
    """A terminology code attached to a problem (or retrieved as context)."""

    system: str = Field(description="Vocabulary, e.g. 'icd10cm', 'doid'.")
    code: str
    title: str
    score: float | None = Field(None, description="Retrieval score; comparable only within one query.")
    source: str = Field(description="Where it came from, e.g. 'tantivy', 'elasticsearch', 'model'.")
    matched_field: str | None = Field(None, description="Index field that matched: title, synonyms, notes.")


class Problem(Model):
    """One item of the assessment, with its context and the codes found for it."""

    text: str
    status: Literal["active", "possible", "history", "family", "negated"] = Field(
        "active", description="Context: under management, suspected/rule-out, past history, family history, or ruled out/denied.")
    codes: list[Code] = Field(default_factory=list)


class Section(Model):
    id: str
    title: str
    text: str = Field("", description="Empty when the note did not document it.")

    @property
    def documented(self) -> bool:
        return bool(self.text.strip())


class VitalSign(Model):
    name: str = Field(description="Canonical name, e.g. 'blood pressure'.")
    value: str = Field(description="As written, e.g. '120/80'.")
    unit: str | None = None


class Medication(Model):
    name: str
    dose: str | None = Field(None, description="Strength, e.g. '40 mg' (spoken numbers as digits).")
    route: str | None = Field(None, description="e.g. 'by mouth'.")
    frequency: str | None = None


class Patient(Model):
    """Coarse, de-identified patient facts."""

    age: str | None = Field(None, description="As stated; over 89 is '90+'.")
    sex: str | None = None


class Provenance(Model):
    generator: str = Field(description="'extractive' or 'model'.")
    extractive: bool = Field(description="True when the text was copied from the note, not written by a model.")
    model_id: str | None = None
    model_version: str | None = Field(None, description="Model card hash or revision.")
    prompt_format: str | None = None
    terminology_index: str | None = Field(None, description="Backend and version of the index used for coding.")
    deid_policy: str | None = Field(None, description="De-identification policy; None means it was switched off.")
    phi_restored: int | None = Field(None, description="With --restore-phi: identifiers put back; None: the report holds replacements.")
    layout: str
    note_id: str
    note_sha256: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    reportgen_version: str = __version__
    warnings: list[str] = Field(default_factory=list)

    @property
    def identifiers_notice(self) -> str:
        """The line every report opens with: whose identifiers the reader is looking at."""
        if self.deid_policy is None:
            return "De-identification was off: identifiers in this report are the note's own."
        if self.phi_restored is not None:
            return (f"{self.phi_restored} identifier(s) restored from the note; any other names, dates, places "
                    "or numbers are replacements made by de-identification.")
        return ("Names, dates, places and numbers in this report are replacements made by de-identification "
                "(surrogates), not the patient's real identifiers.")


class Report(Model):
    title: str
    sections: list[Section]
    problems: list[Problem] = Field(default_factory=list)
    vitals: list[VitalSign] = Field(default_factory=list)
    medications: list[Medication] = Field(default_factory=list)
    allergies: list[str] = Field(default_factory=list)
    patient: Patient = Field(default_factory=Patient)
    context: list[Code] = Field(default_factory=list, description="Terminology retrieved to ground the report.")
    provenance: Provenance

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


# Fields that never hold note text: ids, provenance, retrieved terminology.
_NOT_NOTE_TEXT = {"provenance", "context", "codes", "id"}


M = TypeVar("M", bound=BaseModel)


def map_note_text(model: M, fn: Callable[[str], str]) -> M:
    """A copy of the report (or part) with fn applied to every text field that can hold note text."""
    def walk(value: object) -> object:
        if isinstance(value, str):
            return fn(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, BaseModel):
            fields = [name for name in type(value).model_fields if name not in _NOT_NOTE_TEXT]
            return value.model_copy(update={name: walk(getattr(value, name)) for name in fields})
        return value

    mapped = walk(model)
    assert isinstance(mapped, type(model))
    return mapped
