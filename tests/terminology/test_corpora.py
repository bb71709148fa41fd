"""Vocabulary loaders: shipped corpora, user files, and malformed input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.terminology.corpora import load_source, shipped_corpora
from reportgen.terminology.expansion import Expander
from tests.conftest import shared_data

OBO = """format-version: 1.2
data-version: hp/releases/2025-01-16
ontology: hp

[Term]
id: HP:0001250
name: Seizure
synonym: "Epileptic seizure" EXACT []
synonym: "Fits" RELATED layperson []
synonym: "Convulsive disorder" BROAD []

[Term]
id: HP:0000001
name: All
is_obsolete: true

[Typedef]
id: part_of
name: part of
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_corpora_hold_icd10cm_codes_and_categories_and_doid() -> None:
    icd, doid = shipped_corpora()
    assert icd.source.system == "icd10cm" and icd.source.count == 46_881
    by_code = {t.code: t for t in icd.terms}
    assert by_code["I10"].billable is True and "high blood pressure" in by_code["I10"].notes  # an "includes" note
    assert "Classical cholera" in by_code["A00.0"].synonyms  # an inclusion term
    assert by_code["E11"].billable is False  # a category, indexed too
    assert "disseminated tuberculosis" in by_code["A19"].notes
    assert doid.source.system == "doid" and doid.source.count == 12_296 and doid.source.license == "CC0 1.0"


def test_jsonl_with_list_or_pipe_synonyms(tmp_path: Path) -> None:
    path = write(
        tmp_path / "formulary.jsonl",
        '{"code": "F1", "title": "Metformin 500 mg tablet", "synonyms": ["glucophage"]}\n\n'
        '{"code": "F2", "title": "Lisinopril 10 mg tablet", "synonyms": "zestril|prinivil", "system": "rx"}\n',
    )
    corpus = load_source(path)
    assert [(t.system, t.code, t.synonyms) for t in corpus.terms] == [
        ("formulary", "F1", ("glucophage",)),
        ("rx", "F2", ("zestril", "prinivil")),
    ]
    assert corpus.source.version.startswith("sha256:") and corpus.source.name == "formulary.jsonl"


@pytest.mark.parametrize("name, sep", [("local.csv", ","), ("local.tsv", "\t")])
def test_csv_and_tsv(tmp_path: Path, name: str, sep: str) -> None:
    path = write(tmp_path / name, sep.join(["code", "title", "synonyms"]) + "\n" + sep.join(["L1", "Sepsis bundle", "sepsis|septicemia"]) + "\n")
    (term,) = load_source(path, system="snomed").terms
    assert (term.system, term.code, term.title, term.synonyms) == ("snomed", "L1", "Sepsis bundle", ("sepsis", "septicemia"))


def test_gzipped_obo_takes_system_and_version_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "hp.obo.gz"
    path.write_bytes(gzip.compress(OBO.encode()))
    corpus = load_source(path)
    (term,) = corpus.terms  # the obsolete term and the Typedef are skipped
    assert (term.system, term.code, term.title, term.synonyms) == ("hp", "HP:0001250", "Seizure", ("Epileptic seizure", "Fits"))
    assert corpus.source.version == "2025-01-16"
    assert "Human Phenotype Ontology (version 2025-01-16)" in corpus.source.attribution


def test_real_hpo_file_loads() -> None:
    corpus = load_source(shared_data("terminology", "hpo", "hp.obo.gz"))
    assert corpus.source.system == "hp" and corpus.source.count > 15_000


@pytest.mark.parametrize(
    "name, text, line",
    [
        ("bad.jsonl", '{"code": "A", "title": "ok"}\n{"code": "B", "title": \n', 2),
        ("bad.jsonl", '{"code": "A", "title": "ok"}\n\n{"code": "", "title": "x"}\n', 3),
        ("bad.jsonl", '["not", "an", "object"]\n', 1),
        ("bad.jsonl", '{"code": "A", "title": "t", "synonyms": 7}\n', 1),
        ("bad.csv", "code,title,synonyms\nA,ok,\nB,too,many,columns\n", 3),
        ("bad.tsv", "code\ttitle\tsynonyms\nA\tok\t\nB\n", 3),
        ("bad.obo", "format-version: 1.2\n\n[Term]\nid: X:1\nname: ok\nthis line has no tag\n", 6),
        ("bad.obo", '[Term]\nid: X:1\nname: ok\nsynonym: no quotes EXACT []\n', 4),
    ],
)
def test_malformed_line_is_reported_by_number(tmp_path: Path, name: str, text: str, line: int) -> None:
    with pytest.raises(InputError, match=rf"^{name} line {line}: "):
        load_source(write(tmp_path / name, text))


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown format"):
        load_source(write(tmp_path / "terms.xml", "<x/>"))
    with pytest.raises(InputError, match="does not exist"):
        load_source(tmp_path / "absent.csv")
    with pytest.raises(InputError, match="holds no terms"):
        load_source(write(tmp_path / "empty.csv", "code,title,synonyms\n"))


def test_abbreviation_list_expands_whole_words_longest_first() -> None:
    expander = Expander.load()
    assert len(expander.table) >= 300
    assert "hypertension" in expander.expand("hx of HTN")
    assert expander.expand("high blood pressure").endswith("hypertension")
    assert "nausea and vomiting" in expander.expand("n/v since tuesday")
    assert expander.expand("Mr. Smith is mild") == "Mr. Smith is mild"  # no 'mi' inside 'mild', no 'mr'


def test_expansion_terms_of_several_words_match_in_any_order_within_a_clause() -> None:
    expander = Expander.load()
    assert "edema" in expander.expand("my ankles are swollen")  # "swollen ankles"
    assert "calculus of kidney" in expander.expand("a stone in my kidney")
    expanded = expander.expand("high blood pressure, low blood sugar")
    assert "hypertension" in expanded and "hypoglycemia" in expanded
    assert "hypotension" not in expanded and "hyperglycemia" not in expanded  # words from two clauses
    assert "urinary tract infection" in expander.expand("recurrent UTIs")
    assert expander.expand("caps") == "caps"  # a plural only of an upper-case abbreviation


def test_a_lay_phrase_gives_way_to_its_clinical_words() -> None:
    """Its own words would match titles literally ("weak" -> Weakness); single words and abbreviations stay."""
    expander = Expander.load()
    assert expander.expand("weak bones") == "osteoporosis"
    assert expander.expand("the patient has weak bones and htn").split()[:4] == ["the", "patient", "has", "and"]
    assert "htn" in expander.expand("weak bones and htn").split()
    assert expander.expand("hair loss") == "alopecia hair loss"  # the table keeps words that are also the clinical wording
