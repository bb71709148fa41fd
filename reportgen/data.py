"""Note -> report pairs: the JSONL training format and importers for public datasets.

One JSON object per line:

    {"id": "D2N001", "note": "<note or transcript>", "report": "<reference report>", "patient": {...}}

`patient` is optional: known identifiers of the (fictional) patient, e.g.
{"name": "Martha Collins", "age": "50", "sex": "female"}, used to check that
de-identification removed them. Bad rows are reported with their line number
(never their text: it may hold PHI).
"""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from reportgen.config import DATASET_FORMATS
from reportgen.errors import InputError
from reportgen.files import atomic_write
from reportgen.layout import Layout

FORMATS = DATASET_FORMATS
_MAX_ERRORS_SHOWN = 5


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    note: str = Field(description="The input: a clinical note or visit transcript.")
    report: str = Field(description="The reference report the model should write for the note.")
    patient: dict[str, str] | None = Field(None, description="Known identifiers of the patient (optional).")

    @field_validator("note", "report")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


@dataclass
class Imported:
    pairs: list[Pair]
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> rows


def read_pairs(path: Path) -> list[Pair]:
    """All pairs of a JSONL file; every bad line is counted and the first few are named."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"pairs file {path} does not exist.", "Check --data.") from None
    except UnicodeDecodeError:
        raise InputError(f"pairs file {path} is not UTF-8.", "Convert it to UTF-8 JSONL.") from None
    pairs: list[Pair] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        problem = None
        try:
            pair = Pair.model_validate_json(line)
        except ValidationError as e:
            problem = _describe(e)
        else:
            if pair.id in seen:
                problem = "duplicate id"
            seen.add(pair.id)
        if problem:
            errors.append(f"line {number}: {problem}")
        else:
            pairs.append(pair)
    if errors:
        shown = "; ".join(errors[:_MAX_ERRORS_SHOWN]) + (" ..." if len(errors) > _MAX_ERRORS_SHOWN else "")
        raise InputError(
            f"pairs file {path} has {len(errors)} bad line(s): {shown}.",
            "Each line must be a JSON object with string fields id, note, report (see training/README.md).",
        )
    if not pairs:
        raise InputError(f"pairs file {path} has no pairs.", "Add JSON lines with id, note, report.")
    return pairs


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    if first["type"] == "json_invalid":
        return "not valid JSON"
    where = ".".join(str(p) for p in first["loc"]) or "line"
    return f"'{where}' {first['msg'].lower()}"


def write_pairs(path: Path, pairs: Iterable[Pair]) -> None:
    atomic_write(path, "".join(pair.model_dump_json(exclude_none=True) + "\n" for pair in pairs))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_file(fmt: str, path: Path, layout: Layout) -> Imported:
    """Convert a public dataset CSV into pairs."""
    rows = _read_csv(path)
    if fmt == "aci-bench":
        return _aci_bench(rows, path)
    if fmt == "mts-dialog":
        return _mts_dialog(rows, layout)
    raise InputError(f"unknown format '{fmt}'.", f"Use one of: {', '.join(FORMATS)}.")


def _read_csv(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(2**31 - 1)  # ACI-Bench dialogues are long single fields
    rows: list[dict[str, str]] = []
    line = 2  # where the record being read starts (line 1: the header)
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f, strict=True)  # strict: a quote left open is an error, not the rest of the file in one field
            for row in reader:
                rows.append(row)
                line = reader.line_num + 1
    except FileNotFoundError:
        raise InputError(f"{path} does not exist.", "Check the file path.") from None
    except csv.Error as e:
        raise InputError(
            f"{path}: row {len(rows) + 1} (from line {line}) is not valid CSV ({e}).",
            "Look for a quote left open there.",
        ) from None
    except UnicodeDecodeError as e:
        raise InputError(f"{path} is not a readable UTF-8 CSV ({type(e).__name__}).", "Pass the dataset's CSV file.") from None
    return rows


def _require(rows: list[dict[str, str]], columns: set[str], fmt: str) -> None:
    missing = columns - set(rows[0] if rows else ())
    if missing:
        raise InputError(f"not an {fmt} CSV: missing column(s) {', '.join(sorted(missing))}.", f"Pass a {fmt} CSV file.")


def _aci_bench(rows: list[dict[str, str]], path: Path) -> Imported:
    """ACI-Bench: dialogue -> the clinician's full visit note; patient details from the *_metadata.csv beside it."""
    _require(rows, {"encounter_id", "dialogue", "note"}, "ACI-Bench")
    patients = _aci_patients(path.with_name(f"{path.stem}_metadata.csv"))
    result = Imported(pairs=[])
    for row in rows:
        if not row["dialogue"].strip() or not row["note"].strip():
            result.skipped["empty dialogue or note"] += 1
            continue
        pair_id = row["encounter_id"]
        result.pairs.append(Pair(id=pair_id, note=row["dialogue"], report=row["note"], patient=patients.get(pair_id)))
    return result


def _aci_patients(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        return {}
    patients = {}
    for row in _read_csv(path):
        name = " ".join(filter(None, (row.get("patient_firstname", "").strip(), row.get("patient_familyname", "").strip())))
        fields = {"name": name, "age": row.get("patient_age", "").strip(), "sex": row.get("patient_gender", "").strip()}
        patients[row["encounter_id"]] = {k: v for k, v in fields.items() if v}
    return patients


def _mts_dialog(rows: list[dict[str, str]], layout: Layout) -> Imported:
    """MTS-Dialog: dialogue -> one section; the section code (GENHX, FAM/SOCHX, ...) is mapped by the layout's aliases,
    and a code of two sections (FAM/SOCHX) to the one whose cues its text names most ("Denies tobacco." -> social
    history; on MTS-Dialog train 152 of its 351 rows)."""
    _require(rows, {"ID", "section_header", "section_text", "dialogue"}, "MTS-Dialog")
    result = Imported(pairs=[])
    for row in rows:
        section_id = layout.section_for(row["section_header"], row["section_text"])
        if section_id is None:
            result.skipped[f"section {row['section_header']} is not in layout {layout.name}"] += 1
            continue
        if not row["dialogue"].strip() or not row["section_text"].strip():
            result.skipped["empty dialogue or section text"] += 1
            continue
        report = layout.format_draft({section_id: row["section_text"]})
        result.pairs.append(Pair(id=f"mts-{row['ID']}", note=row["dialogue"], report=report))
    return result
