"""Query understanding: assertion status, laterality, status wording, contradictions."""

from __future__ import annotations

import pytest

from reportgen.terminology.understanding import status_wording, understand


def assertions(text: str) -> list[tuple[str, str]]:
    return [(m.text, m.assertion) for m in understand(text).mentions]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("chest pain, rule out MI", [("chest pain", "present"), ("MI", "possible")]),
        ("denies chest pain or shortness of breath but has cough",
         [("chest pain or shortness of breath", "absent"), ("has cough", "present")]),
        ("stroke ruled out, dizziness", [("stroke", "absent"), ("dizziness", "present")]),
        ("no fever; h/o DVT", [("fever", "absent"), ("DVT", "history")]),
        ("family history of colon cancer", [("colon cancer", "family")]),
        ("s/p appendectomy", [("appendectomy", "status")]),
        ("suspected pneumonia", [("pneumonia", "possible")]),
        ("negative for covid", [("covid", "absent")]),
    ],
)
def test_assertion_status(text: str, expected: list[tuple[str, str]]) -> None:
    assert assertions(text) == expected


def test_without_is_a_feature_kept_in_the_search_text() -> None:
    query = understand("type 2 diabetes without complications")
    assert assertions(query.text) == [("type 2 diabetes", "present"), ("complications", "absent")]
    assert query.search_text == "type 2 diabetes without complications"


def test_a_without_feature_stays_with_a_history_mention() -> None:
    query = understand("history of stroke without residual deficits")
    assert assertions(query.text) == [("stroke without residual deficits", "history")]
    assert query.search_text == "personal history of stroke without residual deficits"


def test_only_present_mentions_are_searched() -> None:
    assert understand("cough, no fever, rule out pneumonia").search_text == "cough"
    assert understand("denies chest pain").search_text == ""


def test_offsets_point_into_the_original_text() -> None:
    text = "Cough;  denies  fever"
    for mention in understand(text).mentions:
        assert text[mention.start:mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "side", "words"),
    [
        ("LLE edema", "left", "left lower limb edema"),
        ("RUE cellulitis", "right", "right upper limb cellulitis"),
        ("OA of L hip", "left", "OA of left hip"),
        ("bilat knee pain", "bilateral", "bilateral knee pain"),
        ("l-spine pain", None, "l-spine pain"),  # a lone letter is a side only before a body part
    ],
)
def test_laterality(text: str, side: str | None, words: str) -> None:
    query = understand(text)
    assert query.mentions[0].laterality == side
    assert query.search_text == words


def test_body_words_add_the_icd_words() -> None:
    assert understand("pain in my belly").search_text == "pain in my belly abdomen abdominal"
    assert understand("my knees hurt").search_text == "my knees hurt pain"
    assert understand("legs are swollen").search_text == "legs lower limbs extremities are swollen swelling edema"
    assert understand("blurry vision").search_text == "blurry blurred vision"


def test_status_post_uses_the_z_code_wording() -> None:
    assert status_wording("left knee replacement") == "presence of artificial knee joint left status"
    assert status_wording("CABG") == "presence of aortocoronary bypass graft status"
    assert status_wording("an unlisted operation") == "an unlisted operation status"


@pytest.mark.parametrize(
    ("text", "title", "contradicts"),
    [
        ("chest pain, rule out myocardial infarction", "Acute myocardial infarction, unspecified", True),
        ("chest pain, rule out myocardial infarction", "Chest pain, unspecified", False),
        ("COPD without exacerbation", "Chronic obstructive pulmonary disease with (acute) exacerbation", True),
        ("type 2 diabetes without complications", "Type 2 diabetes mellitus without complications", False),
        ("history of breast cancer", "Malignant neoplasm of breast, unspecified", False),  # no shared words: allowed
        ("history of myocardial infarction", "Acute myocardial infarction, unspecified", True),
        ("history of myocardial infarction", "Old myocardial infarction", False),
        ("family history of diabetes", "Family history of diabetes mellitus", False),
        ("no acute distress", "Acute kidney failure, unspecified", False),  # generic words alone name nothing
        ("GERD with esophagitis", "Gastro-esophageal reflux disease without esophagitis", True),  # the feature is present
        ("GERD", "Gastro-esophageal reflux disease without esophagitis", False),
        ("hypertensive heart disease with heart failure", "Hypertensive heart disease without heart failure", True),
        ("hypertensive heart disease", "Hypertensive heart disease without heart failure", False),  # a part of the feature
    ],
)
def test_contradicts(text: str, title: str, contradicts: bool) -> None:
    assert understand(text).contradicts(title) is contradicts
