"""Terminology speed: index build time, query latency, bulk indexing rate.

- tantivy build time for the ICD-10-CM set alone and for the default index (ICD-10-CM + Disease Ontology);
- query latency p50/p95 over the 259 queries of ../shared/tools/lucene-ref through
  `Terminology.search`, top 10, all systems and icd10cm only: BM25 + expansion (the system
  before query understanding) and with every part on (understanding, spelling, HPO lay
  terms, preferences; with `--dense` also the MiniLM term vectors, whose build is timed);
- bulk indexing rate of the default corpora into Elasticsearch as served by osmem-server
  (in-memory, so an upper bound for the client side, not a cluster figure).

    .venv/bin/python bench/terminology_speed.py [--queries ../shared/tools/lucene-ref/queries.txt] [--no-osmem]
        [--dense] [--index-dir DIR (reuse a --dense build)]

Torch runs on one thread (as the project's processes do). Each latency is printed as wall
time and as the process's CPU time: on a machine other jobs keep busy, the wall time mostly
measures waiting for a core, the CPU time what a query costs on an idle one.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from reportgen.terminology.corpora import shipped_corpora
from reportgen.terminology.dense import Dense
from reportgen.terminology.encoder import Encoder, packaged_model
from reportgen.terminology.expansion import Expander
from reportgen.terminology.index import Terminology, speller_for
from reportgen.terminology.lay import LayVocabulary, packaged_hpo
from reportgen.terminology.tantivy_index import TantivyIndex


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def timed_build(index, corpora) -> float:
    start = time.perf_counter()
    index.build(corpora)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=Path(__file__).resolve().parents[2] / "shared/tools/lucene-ref/queries.txt")
    parser.add_argument("--no-osmem", action="store_true", help="Skip the bulk-indexing rate into osmem-server.")
    parser.add_argument("--dense", action="store_true", help="Also build term vectors (timed) and search with them.")
    parser.add_argument("--index-dir", type=Path, help="With --dense: reuse (or build once into) this index folder.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    queries = [q.strip() for q in args.queries.read_text(encoding="utf-8").splitlines() if q.strip()]
    corpora = shipped_corpora()
    total = sum(len(c.terms) for c in corpora)
    with tempfile.TemporaryDirectory() as tmp:
        icd_only = timed_build(TantivyIndex(Path(tmp) / "icd"), corpora[:1])
        index = TantivyIndex(Path(tmp) / "all")
        both = timed_build(index, corpora)
        print(f"tantivy build: ICD-10-CM {len(corpora[0].terms):,} terms {icd_only:.2f} s; default {total:,} terms {both:.2f} s")
        setups = {"BM25 + expansion (before)": Terminology(index, Expander.load())}
        if args.dense:
            index = TantivyIndex(args.index_dir or Path(tmp) / "dense", Encoder(packaged_model()))
            if not index.path.exists():
                print(f"tantivy build with term vectors (MiniLM int8, 1 thread): {timed_build(index, corpora):.0f} s")
        expander = Expander.load()
        lay = LayVocabulary.load(packaged_hpo())
        vectors = index.vectors() if args.dense else None
        dense = Dense(Encoder(packaged_model()), vectors) if vectors is not None else None
        setups["every part on" + (" (dense too)" if dense else " but dense")] = Terminology(
            index, expander, speller_for(index, expander), lay, understand=True, prefer=True, dense=dense
        )
        for name, terminology in setups.items():
            for system in (None, "icd10cm"):
                for q in queries:  # warm-up: first-touch page faults, caches, lazy tables
                    terminology.search(q, 10, system)
                latencies, cpu = [], []
                for _round in range(5):
                    for q in queries:
                        start, start_cpu = time.perf_counter(), time.process_time()
                        terminology.search(q, 10, system)
                        latencies.append((time.perf_counter() - start) * 1000)
                        cpu.append((time.process_time() - start_cpu) * 1000)
                print(
                    f"query latency, {name} ({len(queries)} queries x 5, k=10, system={system or 'all'}): "
                    f"p50 {percentile(latencies, 50):.3f} ms, p95 {percentile(latencies, 95):.3f} ms, max {max(latencies):.2f} ms; "
                    f"CPU p50 {percentile(cpu, 50):.3f} ms, p95 {percentile(cpu, 95):.3f} ms"
                )
    if not args.no_osmem:
        from osmem_server import OsmemServer

        from reportgen.config import EsSettings
        from reportgen.terminology.elastic import ElasticsearchIndex, connect
        from tests.terminology.osmem import PlainJsonNode

        with OsmemServer.start(japanese=False) as server:
            es = ElasticsearchIndex(connect(EsSettings(url=server.url), node_class=PlainJsonNode), "bench-terms")
            seconds = timed_build(es, corpora)
            print(f"bulk indexing into osmem-server {server.version}: {total:,} terms in {seconds:.1f} s = {total / seconds:,.0f} terms/s")


if __name__ == "__main__":
    main()
