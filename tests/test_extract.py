"""Vital signs and medications as notes write them."""

from __future__ import annotations

import pytest

from reportgen.generation.extract import allergies, medications, vitals


def signs(text: str) -> dict[str, str]:
    return {v.name: v.value for v in vitals(text)}


def test_a_charted_vitals_line_gives_every_sign():
    found = signs("VITALS: BP 128/76 | HR 72 | T 37.1 C | RR 16 | SpO2 98% | Wt 92 kg")
    assert found == {"blood pressure": "128/76", "heart rate": "72", "respiratory rate": "16", "temperature": "37.1",
                     "oxygen saturation": "98", "weight": "92 kg"}


@pytest.mark.parametrize("text", ["T4 1.2, TSH 2.1", "T 12.5", "stage T2 N0", "a T-score of -2.5"])
def test_a_bare_t_is_a_temperature_only_before_a_body_temperature(text: str):
    assert "temperature" not in signs(text)


def test_the_first_way_a_sign_is_written_is_kept():
    assert signs("Temp 98.4 F this morning; T 99.1 at noon") == {"temperature": "98.4"}


@pytest.mark.parametrize(("text", "name"), [
    ("I take insulin glargine 20 units at night.", "insulin glargine"),
    ("vitamin D 1000 units daily", "vitamin D"),
    ("ferrous sulfate 325 mg by mouth", "ferrous sulfate"),
    ("losartan potassium 50 mg daily", "losartan potassium"),
    ("take potassium 20 meq", "potassium"),
    ("insulin 10 units before meals", "insulin"),
])
def test_a_drug_named_in_two_words_keeps_both(text: str, name: str):
    [med] = medications(text)
    assert med.name == name


def test_an_answer_before_a_dose_is_no_drug():
    assert medications("Yes, 10 mg every morning.") == []


def test_a_negative_filed_under_allergies_is_no_allergen():
    assert allergies("", "No cough.") == []
    assert allergies("", "Penicillin, sulfa") == ["Penicillin", "sulfa"]
