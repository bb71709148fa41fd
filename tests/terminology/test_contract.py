"""The same contract for every backend: which documents come back, and the order
of clearly separated hits (never score values: osmem's BM25 is not Lucene's)."""

from __future__ import annotations

import pytest

from reportgen.terminology.expansion import Expander
from reportgen.terminology.index import TermIndex, Terminology
from tests.terminology.conftest import TERMS, Term, corpus


def codes(hits) -> list[str]:
    return [h.code for h in hits]


def test_build_reports_what_it_indexed(backend: TermIndex) -> None:
    stats = backend.build(corpus())
    assert stats.count == len(TERMS)
    assert stats.backend == backend.name
    assert {s.system for s in stats.sources} == {"icd10cm", "doid"}
    assert backend.stats().count == len(TERMS)


def test_best_match_first(built: TermIndex) -> None:
    assert codes(built.search("type 2 diabetes without complications", 3, "icd10cm"))[0] == "E11.9"
    assert codes(built.search("chest pain", 1)) == ["R07.9"]


def test_system_filter(built: TermIndex) -> None:
    hits = built.search("type 2 diabetes mellitus", 10, "doid")
    assert codes(hits) == ["DOID:9352"]
    assert {h.system for h in built.search("hypertension", 10, "icd10cm")} == {"icd10cm"}


def test_k_limits_hits(built: TermIndex) -> None:
    assert len(built.search("diabetes mellitus type 2", 2)) == 2


def test_hit_carries_code_system_title_field_and_billable(built: TermIndex) -> None:
    (hit,) = built.search("covid-19", 1)
    assert (hit.code, hit.system, hit.title, hit.matched_field, hit.billable) == ("U07.1", "icd10cm", "COVID-19", "title", True)
    assert hit.score > 0


def test_matched_field_names_synonyms_and_notes(built: TermIndex) -> None:
    assert [(h.code, h.matched_field) for h in built.search("high blood pressure", 1)] == [("I10", "synonyms")]
    assert [(h.code, h.matched_field) for h in built.search("disseminated", 1)] == [("A19", "notes")]


def test_hit_carries_synonyms_then_notes_as_written(built: TermIndex) -> None:
    assert built.search("high blood pressure", 1)[0].wordings == ("High blood pressure",)
    assert built.search("disseminated", 1)[0].wordings == ("disseminated tuberculosis", "generalized tuberculosis")
    assert built.search("covid-19", 1)[0].wordings == ()


def test_title_outranks_notes(built: TermIndex) -> None:
    # "tuberculosis" is in A19's title and its notes; a title-only match on another term would come first.
    assert codes(built.search("miliary tuberculosis", 1)) == ["A19"]


def test_possessive_and_case(built: TermIndex) -> None:
    assert codes(built.search("ALZHEIMER DISEASE", 1)) == ["G30.9"]
    (hit,) = built.search("Alzheimer's", 1)
    assert (hit.code, hit.title) == ("G30.9", "Alzheimer's disease, unspecified")  # shown as written


@pytest.mark.parametrize("query", ["", "   ", "the of and to", "!!! ??? ...", "((", '"', ":", "*", "\\"])
def test_nothing_searchable_returns_no_hits(built: TermIndex, query: str) -> None:
    assert built.search(query, 5) == []


@pytest.mark.parametrize(
    "query, first",
    [
        ("copd (exacerbation", "J44.1"),
        ("type 2: diabetes mellitus without", "E11.9"),
        ('"chest pain"', "R07.9"),
        ("title:covid-19 AND OR NOT", "U07.1"),
        ("urinary tract infection ☃ naïve 糖尿病", "N39.0"),
    ],
)
def test_any_user_text_is_searched_leniently(built: TermIndex, query: str, first: str) -> None:
    assert codes(built.search(query, 1)) == [first]


def test_very_long_query(built: TermIndex) -> None:
    query = ("chest pain " * 1000)[:10_000]
    terminology = Terminology(built, None)
    assert codes(terminology.search(query, 1)) == ["R07.9"]


def test_expansion_makes_abbreviations_and_lay_terms_work(built: TermIndex) -> None:
    plain, expanded = Terminology(built, None), Terminology(built, Expander.load())
    for query, code in [("htn", "I10"), ("uti", "N39.0"), ("heart attack", "I21.9"), ("copd", "J44.1")]:
        assert code not in codes(plain.search(query, 3, "icd10cm"))
        assert codes(expanded.search(query, 1, "icd10cm")) == [code]


def test_vocabulary_is_stored_with_the_index(built: TermIndex) -> None:
    vocabulary = built.vocabulary()
    assert vocabulary["hypertension"] >= 1 and vocabulary["disseminated"] >= 1  # titles and notes
    assert "pnuemonia" not in vocabulary


def test_bare_names_are_stored_with_the_index(built: TermIndex) -> None:
    """ICD-10-CM's "X NOS" names, a category's answered by its ".9" code."""
    assert built.bare_names() == [("diabetes", ("diabet",), "E11.9", "Type 2 diabetes mellitus without complications", True)]


def test_rebuild_replaces_the_index(built: TermIndex) -> None:
    built.build(corpus([Term("doid", "DOID:10763", "hypertension")]))
    assert built.stats().count == 1
    assert codes(built.search("diabetes hypertension", 10)) == ["DOID:10763"]
