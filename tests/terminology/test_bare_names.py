"""ICD-10-CM's code for a name said without detail ("diabetes NOS" under E11 -> E11.9)."""

from __future__ import annotations

from reportgen.terminology.bare_names import bare_names, by_words
from reportgen.terminology.index import Terminology
from reportgen.terminology.terms import Term
from tests.terminology.conftest import corpus


def test_an_nos_inclusion_term_names_its_code_and_a_category_its_unspecified_code() -> None:
    terms = [
        Term("icd10cm", "E11", "Type 2 diabetes mellitus", ("diabetes NOS",), billable=False),
        Term("icd10cm", "E11.9", "Type 2 diabetes mellitus without complications", billable=True),
        Term("icd10cm", "R56.9", "Unspecified convulsions", ("Seizure(s) (convulsive) NOS", "Fit NOS"), billable=True),
        Term("icd10cm", "R42", "Dizziness and giddiness", ("Vertigo NOS",), notes=("vertigo of central origin",), billable=True),
        Term("icd10cm", "C80.1", "Malignant (primary) neoplasm, unspecified", ("Malignancy unspecified site (primary)",), billable=True),
        Term("icd10cm", "C43.9", "Malignant melanoma of skin, unspecified", ("Malignant melanoma of unspecified site of skin",), billable=True),
        Term("doid", "DOID:1", "disease", ("disease NOS",)),  # other vocabularies have no such convention
    ]
    assert sorted(bare_names(corpus(terms))) == [  # C43.9's "of unspecified site of skin" names a site: not a bare name
        ("Fit", ("fit",), "R56.9", "Unspecified convulsions", True),
        ("Malignancy", ("malign",), "C80.1", "Malignant (primary) neoplasm, unspecified", True),
        ("Seizure", ("seizur",), "R56.9", "Unspecified convulsions", True),
        ("Vertigo", ("vertigo",), "R42", "Dizziness and giddiness", True),
        ("diabetes", ("diabet",), "E11.9", "Type 2 diabetes mellitus without complications", True),
    ]


def test_a_name_two_codes_share_is_left_out() -> None:
    names = [("Fit", ("fit",), "R56.9", "Unspecified convulsions", True), ("fits", ("fit",), "G40.909", "Epilepsy", True),
             ("Vertigo", ("vertigo",), "R42", "Dizziness", True)]
    table = by_words(names)
    assert set(table) == {frozenset({"vertigo"})}  # "fit" and "fits" read alike: ambiguous
    assert table[frozenset({"vertigo"})][2] == "R42"
    assert set(by_words(names, str.split)) == {frozenset({"Fit"}), frozenset({"fits"}), frozenset({"Vertigo"})}  # the caller's reading


def test_a_bare_name_gets_the_code_icd10cm_gives_it_where_titles_repeating_it_crowd_it_out(full: Terminology) -> None:
    lexical = Terminology(full.index, full.expander, full.speller, full.lay, understand=True)
    assert lexical.search("diabetes", 1, "icd10cm")[0].code == "E23.2"  # Diabetes insipidus: the word alone
    assert [h.code for h in full.search("diabetes", 1, "icd10cm")] == ["E11.9"]
    assert full.search("diabetes insipidus", 1, "icd10cm")[0].code == "E23.2"
    assert full.search("no diabetes", 1, "icd10cm") == []  # a negated name is not coded
