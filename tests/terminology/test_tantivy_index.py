"""The embedded index's life cycle: first-use build, corrupt or older index, safe rebuild."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from reportgen.errors import InputError, RuntimeFailure
from reportgen.files import atomic_write
from reportgen.terminology.index import load_corpora, open_terminology
from reportgen.terminology.tantivy_index import FORMAT, META_FILE, TantivyIndex
from reportgen.terminology.terms import Corpus
from tests.terminology.conftest import corpus, settings_for


def test_first_use_builds_the_shipped_index_with_a_message(full, data_dir: Path) -> None:
    stats = full.index.stats()
    assert stats.count == 46_881 + 12_296
    assert "icd10cm FY2026" in stats.version and "doid" in stats.version
    said: list[str] = []
    reopened = open_terminology(settings_for(data_dir / "terms"), say=said.append)
    assert said == []  # already built: no second build
    assert [h.code for h in reopened.search("essential hypertension", 1, "icd10cm")] == ["I10"]


def test_absent_index_is_built_on_first_use(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reportgen.terminology.index.shipped_corpora", corpus)  # small, fast stand-in
    said: list[str] = []
    terminology = open_terminology(settings_for(index_dir), say=said.append)
    assert len(said) == 1 and "Building the terminology index" in said[0]
    assert terminology.index.stats().count == len(corpus()[0].terms) + len(corpus()[1].terms)


def built_index(index_dir: Path) -> TantivyIndex:
    index = TantivyIndex(index_dir)
    index.build(corpus())
    return index


def test_a_build_removes_what_a_killed_build_left(index_dir: Path) -> None:
    left = index_dir.parent / f".{index_dir.name}.building-killed"  # a build killed with SIGKILL cleans up nothing
    left.mkdir(parents=True)
    (left / "meta.json").write_text("{}")
    assert built_index(index_dir).search("covid-19", 1)[0].code == "U07.1"
    assert sorted(p.name for p in index_dir.parent.iterdir() if p.name.startswith(".")) == [f".{index_dir.name}.lock"]


def test_corrupt_index_says_rebuild(index_dir: Path) -> None:
    built_index(index_dir)
    # Each file corrupted as a new one renamed over it: truncating it in place would pull the pages from under
    # tantivy's memory map, and a reader still reloading in a background thread dies of SIGBUS.
    for segment in index_dir.glob("*.idx"):
        atomic_write(segment, "garbage")
    atomic_write(index_dir / "meta.json", "{not json")
    with pytest.raises(RuntimeFailure, match=r"corrupt.*reportgen terms index"):
        TantivyIndex(index_dir).open()


def test_missing_metadata_says_rebuild(index_dir: Path) -> None:
    index_dir.mkdir()
    (index_dir / "leftover").write_text("x")
    with pytest.raises(RuntimeFailure, match=r"corrupt or incomplete.*reportgen terms index"):
        TantivyIndex(index_dir).open()


def test_older_format_says_rebuild_and_a_build_fixes_it(index_dir: Path) -> None:
    built_index(index_dir)
    meta = json.loads((index_dir / META_FILE).read_text())
    (index_dir / META_FILE).write_text(json.dumps({**meta, "format": FORMAT - 1}))
    with pytest.raises(RuntimeFailure, match=rf"format {FORMAT - 1}; this reportgen reads format {FORMAT}"):
        TantivyIndex(index_dir).open()
    assert built_index(index_dir).search("covid-19", 1)[0].code == "U07.1"


def _age(index_dir: Path, held: str | None = None) -> None:
    """Make the built index look written by an older reportgen (optionally holding one more vocabulary)."""
    meta = json.loads((index_dir / META_FILE).read_text())
    extra = [{**meta["sources"][0], "name": held}] if held else []
    (index_dir / META_FILE).write_text(json.dumps({**meta, "format": FORMAT - 1, "sources": meta["sources"] + extra}))


def test_older_index_of_the_configured_vocabularies_is_rebuilt_on_first_use(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reportgen.terminology.index.shipped_corpora", corpus)
    built_index(index_dir)
    _age(index_dir)
    said: list[str] = []
    terminology = open_terminology(settings_for(index_dir), say=said.append)
    assert len(said) == 1 and "Rebuilding the terminology index" in said[0]
    assert terminology.search("covid-19", 1)[0].code == "U07.1"


def test_older_index_holding_another_vocabulary_is_not_rebuilt_without_it(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("reportgen.terminology.index.shipped_corpora", corpus)
    built_index(index_dir)
    _age(index_dir, held="site-terms.csv")
    with pytest.raises(RuntimeFailure, match=rf"format {FORMAT - 1}; this reportgen reads format {FORMAT}"):
        open_terminology(settings_for(index_dir), say=lambda _: None)


def test_bad_source_leaves_the_old_index_untouched(index_dir: Path, tmp_path: Path) -> None:
    built_index(index_dir)
    bad = tmp_path / "local.csv"
    bad.write_text("code,title,synonyms\nL1,Fine,\nL2\n")
    with pytest.raises(InputError, match=r"local\.csv line 3"):
        TantivyIndex(index_dir).build(load_corpora([bad]))
    index = TantivyIndex(index_dir)
    assert index.stats().count == 12 and index.search("covid-19", 1)[0].code == "U07.1"


def test_concurrent_first_use_builds_once(index_dir: Path) -> None:
    loads: list[int] = []

    def load():
        loads.append(1)
        return corpus()

    threads = [threading.Thread(target=TantivyIndex(index_dir).ensure, args=(load, lambda m: None)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert loads == [1]
    assert TantivyIndex(index_dir).stats().count == 12


def test_failed_build_leaves_no_partial_folder(index_dir: Path) -> None:
    def broken():
        yield from corpus()[0].terms[:3]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        TantivyIndex(index_dir).build([Corpus(corpus()[0].source, broken())])  # type: ignore[arg-type]
    assert sorted(p.name for p in index_dir.parent.iterdir()) == [".terms.lock"]
