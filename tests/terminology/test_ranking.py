"""Fusion and the coder's preferences."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reportgen.terminology.analysis import FIELDS, analyze, matched_field
from reportgen.terminology.ranking import DETAIL, MISSING, _fit, fuse, prefer
from reportgen.terminology.terms import Hit
from reportgen.terminology.understanding import understand


def hit(code: str, title: str, score: float = 1.0, billable: bool | None = True, wordings: tuple[str, ...] = ()) -> Hit:
    return Hit("icd10cm", code, title, score, "title", billable, wordings)


def codes(hits: list[Hit]) -> list[str]:
    return [h.code for h in hits]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    lexical = [hit("A", "a"), hit("B", "b"), hit("C", "c")]
    dense = [hit("B", "b"), hit("D", "d")]
    fused = fuse([lexical, dense])
    assert codes(fused) == ["B", "A", "D", "C"]
    assert fused[0].score == 1 / 62 + 1 / 61


def test_newborn_and_pregnancy_codes_only_when_the_text_says_so() -> None:
    hits = [hit("P28.32", "Primary obstructive sleep apnea of newborn", 1.0), hit("G47.33", "Obstructive sleep apnea", 0.9)]
    assert codes(prefer(hits, None, "obstructive sleep apnea")) == ["G47.33", "P28.32"]
    assert codes(prefer(hits, None, "obstructive sleep apnea in a newborn"))[0] == "P28.32"


def test_a_code_whose_title_or_inclusion_term_names_just_what_was_asked_comes_first() -> None:
    hits = [hit("I15.0", "Renovascular hypertension", 1.0),
            hit("I10", "Essential (primary) hypertension", 0.85, wordings=("hypertension (arterial) (benign) (essential)",))]
    assert codes(prefer(hits, None, "hypertension")) == ["I10", "I15.0"]
    assert codes(prefer(hits, None, "renovascular hypertension")) == ["I15.0", "I10"]
    # What follows ", unspecified" is no detail: the organism is not named.
    hits = [hit("J13", "Pneumonia due to Streptococcus pneumoniae", 1.0), hit("J18.9", "Pneumonia, unspecified organism", 0.85)]
    assert codes(prefer(hits, None, "pneumonia")) == ["J18.9", "J13"]


def test_an_inclusion_term_x_nos_is_the_code_for_a_bare_x() -> None:
    hits = [hit("G58.0", "Intercostal neuropathy", 1.0), hit("G61.1", "Serum neuropathy", 0.95),
            hit("G62.9", "Polyneuropathy, unspecified", 0.3, wordings=("Neuropathy NOS",))]
    assert codes(prefer(hits, None, "neuropathy"))[0] == "G62.9"
    assert codes(prefer(hits, None, "intercostal neuropathy"))[0] == "G58.0"


def test_a_code_naming_every_word_asked_beats_one_that_names_a_part() -> None:
    hits = [hit("N18.5", "Chronic kidney disease, stage 5", 1.0),
            hit("I12.0", "Hypertensive chronic kidney disease with stage 5 chronic kidney disease", 0.8)]
    assert codes(prefer(hits, None, "hypertension with stage 5 chronic kidney disease")) == ["I12.0", "N18.5"]


def test_a_cancer_named_by_its_site_is_the_primary_one_unless_the_text_says_it_spread() -> None:
    hits = [hit("C79.81", "Secondary malignant neoplasm of breast", 1.0), hit("C50.919", "Malignant neoplasm of breast", 0.8)]
    assert codes(prefer(hits, None, "breast malignant neoplasm")) == ["C50.919", "C79.81"]
    assert codes(prefer(hits, None, "metastatic breast malignant neoplasm"))[0] == "C79.81"


def test_the_patients_history_is_no_family_history_and_the_other_way_round() -> None:
    hits = [hit("Z82.3", "Family history of stroke", 1.0), hit("Z86.73", "Personal history of cerebral infarction", 0.8)]
    query = understand("hx of stroke")
    assert codes(prefer(hits, query, query.search_text))[0] == "Z86.73"
    query = understand("family history of stroke")
    assert codes(prefer(hits, query, query.search_text))[0] == "Z82.3"


def test_billable_code_over_its_category() -> None:
    hits = [hit("J44", "Other chronic obstructive pulmonary disease", 1.0, billable=False),
            hit("J44.9", "Chronic obstructive pulmonary disease, unspecified", 0.9)]
    assert codes(prefer(hits, None, "chronic obstructive pulmonary disease")) == ["J44.9", "J44"]


def test_a_contradicted_condition_is_dropped() -> None:
    hits = [hit("I21.9", "Acute myocardial infarction, unspecified", 1.0), hit("R07.9", "Chest pain, unspecified", 0.5)]
    query = understand("chest pain, rule out myocardial infarction")
    assert codes(prefer(hits, query, query.search_text)) == ["R07.9"]


def test_the_side_the_text_names() -> None:
    hits = [hit("M17.12", "Unilateral primary osteoarthritis, left knee", 1.0),
            hit("M17.11", "Unilateral primary osteoarthritis, right knee", 1.0)]
    query = understand("osteoarthritis of R knee")
    assert codes(prefer(hits, query, query.search_text)) == ["M17.11", "M17.12"]


def test_conditions_over_external_causes_unless_the_text_is_about_one() -> None:
    hits = [hit("W16.4", "Fall into water", 1.0), hit("M25.46", "Effusion, knee", 0.8)]
    assert codes(prefer(hits, None, "water on the knee effusion")) == ["M25.46", "W16.4"]
    assert codes(prefer(hits, None, "fall into water"))[0] == "W16.4"


def test_when_only_the_past_is_asserted_history_codes_come_first() -> None:
    hits = [hit("I63.9", "Cerebral infarction, unspecified", 1.0),
            hit("Z86.73", "Personal history of transient ischemic attack (TIA), and cerebral infarction without residual deficits", 0.7)]
    query = understand("history of stroke without residual deficits")
    assert codes(prefer(hits, query, query.search_text)) == ["Z86.73", "I63.9"]


def test_fusion_weights() -> None:
    lexical, dense = [hit("A", "a"), hit("B", "b")], [hit("B", "b"), hit("A", "a")]
    assert codes(fuse([lexical, dense], [1.0, 0.5])) == ["A", "B"]
    assert codes(fuse([lexical, dense], [0.5, 1.0])) == ["B", "A"]


@pytest.mark.parametrize(("query", "fields", "field"), [
    ("heart failure", {"title": "Heart failure", "synonyms": "cardiac failure", "notes": "heart failure NOS"}, "title"),
    ("high blood pressure", {"title": "Essential hypertension", "synonyms": "high blood pressure", "notes": ""}, "synonyms"),
    # one title word (3) against three synonym words (3): the title keeps a tie
    ("acute heart attack", {"title": "Heart disease", "synonyms": "acute heart attack", "notes": ""}, "title"),
    ("tb disseminated miliary", {"title": "Miliary tuberculosis", "synonyms": "", "notes": "tb disseminated miliary"}, "title"),
    ("disseminated", {"title": "Miliary tuberculosis", "synonyms": "", "notes": "disseminated tuberculosis"}, "notes"),
])
def test_the_matched_field_is_the_one_sharing_the_most_boosted_words(query: str, fields: dict[str, str], field: str) -> None:
    terms = set(analyze(query))
    best = max(FIELDS, key=lambda name: (FIELDS[name] * len(terms & set(analyze(fields[name]))), FIELDS[name]))
    assert matched_field(terms, fields) == field == best


@pytest.mark.parametrize("asked", ["fever", "cough fever", "chronic cough with fever", "cough"])
def test_wordings_that_name_nothing_asked_leave_the_fit_as_it_is(asked: str) -> None:
    words = set(analyze(asked))
    plain = hit("R05.9", "Cough, unspecified", wordings=("Cough NOS",))
    noisy = replace(plain, wordings=(*plain.wordings, "Sputum production", "Hemoptysis (without pain)"))
    assert _fit(noisy, words) == _fit(plain, words)


def test_a_title_naming_nothing_asked_fits_with_the_most_detail_and_every_word_missing() -> None:
    assert _fit(hit("R05.9", "Cough"), set(analyze("fever"))) == DETAIL**3 * MISSING**1
    assert _fit(hit("R05.9", "Cough"), set(analyze("fever rash chill night sweats"))) == DETAIL**3 * MISSING**3


def test_a_combination_code_comes_after_one_that_asserts_nothing_unsaid() -> None:
    hits = [hit("E11.621", "Type 2 diabetes mellitus with foot ulcer", 1.0),
            hit("L97.509", "Non-pressure chronic ulcer of other part of unspecified foot with unspecified severity", 0.9)]
    assert codes(prefer(hits, None, "foot ulcer")) == ["L97.509", "E11.621"]
    assert codes(prefer(hits, None, "diabetic foot ulcer"))[0] == "E11.621"  # both conditions said
