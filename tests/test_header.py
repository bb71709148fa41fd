"""Header blocks (Patient/MRN/DOB lines, dictated identifiers) are kept out of the narrative
sections, never dropped, and stay de-identified (#15 item 4)."""

from __future__ import annotations

import re

from click.testing import CliRunner

from reportgen.cli import cli
from reportgen.generation.dialogue import sentences
from reportgen.generation.header import dictated_header, header_lines, is_field_line
from reportgen.report import Report

WRITTEN = """Patient: John Smith
MRN: 48213377
DOB: 04/12/1961

Date of service: 03/14/2024
HPI: 62-year-old man with a cough for two weeks. No fever. He denies chest pain.
Exam: Lungs clear. BP 132/84.
Assessment: Acute bronchitis.
Plan: Supportive care, return if worse.
"""
DICTATED = """[doctor] next patient is john smith . date of birth is 04/12/1961 . medical record number is 48213377 .
[doctor] hi , mr. smith . how are you doing ?
[patient] i've had a cough for two weeks now .
[doctor] any fever ?
[patient] no .
[doctor] okay . on exam your lungs are clear . i think this is acute bronchitis . we will treat it with supportive care .
"""


def test_the_opening_field_lines_are_the_header():
    header, rest = header_lines(WRITTEN)
    assert header == ["Patient: John Smith", "MRN: 48213377", "DOB: 04/12/1961", "Date of service: 03/14/2024"]
    assert rest.startswith("HPI: 62-year-old man")
    assert header_lines("HPI: cough.\nMRN: 1") == ([], "HPI: cough.\nMRN: 1")  # only the opening block


def test_several_fields_on_one_line_are_a_header_line():
    assert is_field_line("Patient: Maria Gonzalez   DOB: 03/14/1958   MRN: 4452981")
    assert not is_field_line("Patient: my date of birth is on the form")


def test_a_speaker_turn_is_not_a_header_line():
    assert is_field_line("Patient: John Smith")
    assert not is_field_line("Patient: I have had a cough for two weeks.")
    assert not is_field_line("Patient: yes, it hurts")
    assert header_lines("Patient: I have a cough.\nDoctor: Since when?") == ([], "Patient: I have a cough.\nDoctor: Since when?")


def test_dictated_identifiers_and_the_name_before_them_are_found():
    items = sentences("[doctor] tammy bowen . date of birth , 5/15/1944 . this is a new patient visit .\n"
                      "[doctor] hello , ms. bowen .\n[patient] my date of birth is on the form .")
    found = dictated_header(items)
    assert [items[i].text for i in sorted(found)] == ["tammy bowen.", "date of birth, 5/15/1944.", "my date of birth is on the form."]


def _report(tmp_path, text: str) -> Report:
    note = tmp_path / "note.txt"
    note.write_text(text)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["generate", str(note), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return Report.model_validate_json(out.read_text())


def _narrative(report: Report) -> str:
    return "\n".join(s.text for s in report.sections if s.id != "note_header")


def test_a_written_header_block_is_kept_apart_de_identified(tmp_path):
    report = _report(tmp_path, WRITTEN)
    header = report.section("note_header")
    assert header is not None and re.search(r"^MRN: \d{8}$", header.text, re.M)  # kept, as a surrogate
    assert "48213377" not in report.model_dump_json() and "John Smith" not in report.model_dump_json()
    narrative = _narrative(report)
    assert not re.search(r"\b(?:MRN|DOB|Date of service)\b", narrative)
    for clinical in ("cough for two weeks", "No fever", "He denies chest pain", "Lungs clear", "Acute bronchitis",
                     "Supportive care"):
        assert clinical in narrative  # nothing clinical lost


def test_a_dictated_header_is_kept_apart_de_identified(tmp_path):
    report = _report(tmp_path, DICTATED)
    header = report.section("note_header")
    assert header is not None and "date of birth" in header.text.lower()
    assert "04/12/1961" not in report.model_dump_json() and "john smith" not in report.model_dump_json().lower()
    narrative = _narrative(report).lower()
    assert "date of birth" not in narrative and "medical record number" not in narrative
    assert "cough" in narrative


def test_a_dictated_record_number_is_de_identified(tmp_path):
    assert "48213377" not in _report(tmp_path, DICTATED).model_dump_json()
