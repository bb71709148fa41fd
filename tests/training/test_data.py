"""Pairs JSONL validation and the ACI-Bench / MTS-Dialog importers."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.data import Pair, import_file, read_pairs, write_pairs
from reportgen.errors import InputError
from reportgen.layout import load_layout
from tests.conftest import shared_data

LAYOUT = load_layout("clinical-visit")


def _csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_pairs_round_trip(tmp_path: Path) -> None:
    pairs = [Pair(id="a", note="n", report="r"), Pair(id="b", note="n2", report="r2", patient={"name": "Jo Doe"})]
    write_pairs(tmp_path / "p.jsonl", pairs)
    assert read_pairs(tmp_path / "p.jsonl") == pairs
    assert "patient" not in json.loads((tmp_path / "p.jsonl").read_text().splitlines()[0])


def test_bad_rows_are_reported_by_line_number_without_their_text(tmp_path: Path) -> None:
    good = {"id": "a", "note": "Jane Roe has knee pain", "report": "CHIEF COMPLAINT\nKnee pain."}
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "b", "note": "Jane Roe again"}),
        json.dumps(good),
        "",
        json.dumps({**good, "id": "c", "report": "  "}),
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as error:
        read_pairs(path)
    message = str(error.value)
    assert "4 bad line(s)" in message
    assert "line 2: not valid JSON" in message and "line 3: 'report' field required" in message
    assert "line 4: duplicate id" in message and "line 6: 'report' value error" in message
    assert "Jane" not in message


def test_aci_bench_import_takes_the_note_as_report_and_patient_from_metadata(tmp_path: Path) -> None:
    source = _csv(
        tmp_path / "train.csv",
        [{"dataset": "virtassist", "encounter_id": "D2N001", "dialogue": "[doctor] hi", "note": "CHIEF COMPLAINT\n\nKnee pain."}],
    )
    _csv(
        tmp_path / "train_metadata.csv",
        [{"dataset": "virtassist", "encounter_id": "D2N001", "patient_firstname": "Martha", "patient_familyname": "Collins", "patient_age": "50", "patient_gender": "female"}],
    )
    (pair,) = import_file("aci-bench", source, LAYOUT).pairs
    assert pair == Pair(
        id="D2N001", note="[doctor] hi", report="CHIEF COMPLAINT\n\nKnee pain.", patient={"name": "Martha Collins", "age": "50", "sex": "female"}
    )


def test_mts_dialog_section_codes_map_through_layout_aliases(tmp_path: Path) -> None:
    rows = [
        {"ID": "0", "section_header": "GENHX", "section_text": "Knee pain for a week.", "dialogue": "Doctor: what happened?"},
        {"ID": "1", "section_header": "FAM/SOCHX", "section_text": "Mother had diabetes.", "dialogue": "Doctor: family?"},
        {"ID": "2", "section_header": "OTHER_HISTORY", "section_text": "x", "dialogue": "Doctor: other?"},
        {"ID": "3", "section_header": "FAM/SOCHX", "section_text": "Denies tobacco or alcohol.", "dialogue": "Doctor: smoke?"},
    ]
    imported = import_file("mts-dialog", _csv(tmp_path / "mts.csv", rows), LAYOUT)
    assert [(p.id, p.report) for p in imported.pairs] == [
        ("mts-0", "HISTORY OF PRESENT ILLNESS\nKnee pain for a week.\n"),
        ("mts-1", "FAMILY HISTORY\nMother had diabetes.\n"),
        ("mts-3", "SOCIAL HISTORY\nDenies tobacco or alcohol.\n"),  # FAM/SOCHX names both: the text's cues decide
    ]
    assert imported.skipped == {"section OTHER_HISTORY is not in layout clinical-visit": 1}


def test_a_csv_of_the_wrong_dataset_is_refused(tmp_path: Path) -> None:
    source = _csv(tmp_path / "x.csv", [{"ID": "0", "section_header": "CC", "section_text": "t", "dialogue": "d"}])
    with pytest.raises(InputError, match="missing column"):
        import_file("aci-bench", source, LAYOUT)


def test_data_import_cli_on_the_shared_datasets(tmp_path: Path) -> None:
    aci, mts = shared_data("aci-bench", "valid.csv"), shared_data("mts-dialog", "MTS-Dialog-TrainingSet.csv")
    runner = CliRunner()
    result = runner.invoke(cli, ["data", "import", "--format", "aci-bench", str(aci), "-o", str(tmp_path / "aci.jsonl")])
    assert result.exit_code == 0, result.output
    pairs = read_pairs(tmp_path / "aci.jsonl")
    assert len(pairs) == 20 and all(p.patient for p in pairs)
    assert all(LAYOUT.split(p.report)[0][0] is not None for p in pairs)  # every note opens with a known header
    result = runner.invoke(cli, ["data", "import", "--format", "mts-dialog", str(mts), "-o", str(tmp_path / "mts.jsonl")])
    assert result.exit_code == 0, result.output
    assert "Wrote 1199 pairs" in result.output and "skipped 2 row(s): section OTHER_HISTORY" in result.output
    assert {LAYOUT.header_id(p.report.splitlines()[0]) for p in read_pairs(tmp_path / "mts.jsonl")} >= {"hpi", "family_history", "allergies"}
