"""The model-free generator and the draft parser on real ACI-Bench material."""

from __future__ import annotations

import re

import pytest

from reportgen.generation import extract
from reportgen.generation.extractive import ExtractiveGenerator
from reportgen.generation.parse import parse_draft
from reportgen.layout import load_layout
from reportgen.report import Provenance
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def layout():
    return load_layout("clinical-visit")


def provenance() -> Provenance:
    return Provenance(generator="test", extractive=True, layout="clinical-visit", note_id="n", note_sha256="0")


def test_headed_note_keeps_its_sections(layout):
    text = (SAMPLES / "back-pain-visit-note.txt").read_text()
    draft = ExtractiveGenerator().generate(text, [], layout)
    report = parse_draft(draft.text, layout, provenance(), [])
    assert report.section("chief_complaint").text == "Back pain."
    assert report.section("review_of_systems").documented
    assert [p.text for p in report.problems][:3] == ["Kidney stones", "Migraines", "Reflux"]
    assert report.patient.age == "61" and report.patient.sex == "male"


def test_dialogue_sentences_are_sorted_into_sections(layout):
    text = (SAMPLES / "annual-exam.txt").read_text()
    report = parse_draft(ExtractiveGenerator().generate(text, [], layout).text, layout, provenance(), [])
    assert "annual exam" in report.section("chief_complaint").text
    assert report.section("physical_exam") and "murmur" in report.section("physical_exam").text
    assert "[doctor]" not in report.model_dump_json()
    every_sentence = " ".join(s.text for s in report.sections)
    assert "Doctor: " in every_sentence and "Patient: " in every_sentence


def test_extractive_text_is_copied_from_the_note(layout):
    text = (SAMPLES / "finger-pain.txt").read_text()
    draft = ExtractiveGenerator().generate(text, [], layout)
    assert draft.extractive
    source_words = set(re.findall(r"[a-z0-9']+", text.lower()))
    for line in draft.text.splitlines():
        if line and not layout.header_id(line):
            sentence = line.split(": ", 1)[1] if line.startswith(("Doctor: ", "Patient: ")) else line
            assert set(re.findall(r"[a-z0-9']+", sentence.lower())) <= source_words, sentence


def test_malformed_drafts_never_crash(layout):
    for text in ["", "garbage without headers", "CHIEF COMPLAINT\n", "PLAN\nrest\nASSESSMENT\n"]:
        report = parse_draft(text, layout, provenance(), [])
        assert report.section("chief_complaint") is not None  # required sections always present
    assert any("no recognisable section" in w for w in parse_draft("junk", layout, provenance(), []).provenance.warnings)


@pytest.mark.parametrize(
    ("text", "name", "value"),
    [
        ("Blood pressure today was 142/88.", "blood pressure", "142/88"),
        ("BP: 130 / 68.", "blood pressure", "130/68"),
        ("HR: 98.", "heart rate", "98"),
        ("SpO2: 98%.", "oxygen saturation", "98"),
        ("Temperature 98.6 F.", "temperature", "98.6"),
        ("RR:18.", "respiratory rate", "18"),
    ],
)
def test_vitals(text, name, value):
    found = {v.name: v.value for v in extract.vitals(text)}
    assert found.get(name) == value


def test_medications_with_dose():
    meds = extract.medications("Increase her lisinopril to 40 mg daily and initiate Lasix 20 mg daily. Take 2 mg.")
    assert [(m.name, m.dose, m.frequency) for m in meds] == [("Lasix", "20 mg", "daily")]
    meds = extract.medications("Continue Protonix 40 mg daily. Ultram 50 mg as needed.")
    assert [(m.name, m.dose, m.frequency) for m in meds] == [("Protonix", "40 mg", "daily"), ("Ultram", "50 mg", "as needed")]


def test_allergies():
    assert extract.allergies("Patient reports NKDA.") == ["No known drug allergies"]
    assert extract.allergies("She is allergic to penicillin.") == ["penicillin"]
    assert extract.allergies("", "Sulfa, latex") == ["Sulfa", "latex"]


def test_age_over_89_is_coarsened():
    assert extract.patient("A 93-year-old woman").age == "90+"
