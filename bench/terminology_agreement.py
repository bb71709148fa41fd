"""Ranking agreement of the tantivy backend with Elasticsearch's scoring.

Ranks the ICD-10-CM terms (codes and categories) for the 259 queries of
../shared/tools/lucene-ref with Lucene 8 BM25 (exactly what Elasticsearch runs:
`english` analyzer, multi_match best_fields title^3 + synonyms) and with
reportgen's tantivy backend over the same fields and boosts (title = description,
synonyms = inclusion terms + "includes" notes, no notes field, no query
expansion), then prints the mean top-10 overlap and NDCG@10 (Lucene's top 10 as
graded relevance, 10 for its first hit down to 1).

Needs Java and Debian's liblucene8-java (`apt-get install -y liblucene8-java`).

    .venv/bin/python bench/terminology_agreement.py [--tool ../shared/tools/lucene-ref]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import tempfile
from pathlib import Path

from reportgen.resources import corpora_dir
from reportgen.terminology.corpora import ICD10CM_FILE, load_icd10cm
from reportgen.terminology.tantivy_index import TantivyIndex
from reportgen.terminology.terms import Corpus, Term

K = 10


def lucene_classpath() -> str:
    jars = sorted(Path("/usr/share/java").glob("lucene-*-8.*.jar"))
    wanted = [j for j in jars if j.name.split("-8.")[0] in ("lucene-core", "lucene-analyzers-common", "lucene-queryparser")]
    if len(wanted) != 3:
        raise SystemExit("liblucene8-java is not installed: apt-get install -y liblucene8-java")
    return ":".join(map(str, wanted))


def lucene_rankings(tool: Path, corpus: Corpus, queries: list[str], work: Path) -> list[list[str]]:
    cp = lucene_classpath()
    subprocess.run(["javac", "-cp", cp, "-d", str(work / "classes"), str(tool / "LuceneRef.java")], check=True)
    with (work / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for t in corpus.terms:
            record = {"code": t.code, "title": t.title, "synonyms": " ".join(t.synonyms)}
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
    (work / "queries.txt").write_text("\n".join(queries) + "\n", encoding="utf-8")
    timing = subprocess.run(
        ["java", "-cp", f"{cp}:{work / 'classes'}", "LuceneRef", str(work / "corpus.jsonl"), str(work / "queries.txt"),
         "english", "multi", str(work / "ref.jsonl"), str(K)],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    ).stderr
    print(f"lucene-ref: {timing.strip()}")
    return [[code for code, _score in json.loads(line)["hits"]] for line in (work / "ref.jsonl").open(encoding="utf-8")]


def ndcg(reference: list[str], ranking: list[str]) -> float:
    gain = {code: K - i for i, code in enumerate(reference[:K])}
    dcg = sum(gain.get(code, 0) / math.log2(i + 2) for i, code in enumerate(ranking[:K]))
    ideal = sum((K - i) / math.log2(i + 2) for i in range(len(reference[:K])))
    return dcg / ideal if ideal else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tool", type=Path, default=Path(__file__).resolve().parents[2] / "shared/tools/lucene-ref")
    args = parser.parse_args()
    queries = [q.strip() for q in (args.tool / "queries.txt").read_text(encoding="utf-8").splitlines() if q.strip()]
    icd = load_icd10cm(corpora_dir() / ICD10CM_FILE)
    # The two fields lucene-ref knows: inclusion terms and "includes" notes both as synonyms.
    corpus = Corpus(icd.source, [Term(t.system, t.code, t.title, t.synonyms + t.notes) for t in icd.terms])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        reference = lucene_rankings(args.tool, corpus, queries, work)
        index = TantivyIndex(work / "tantivy")
        index.build([corpus])
        ours = [[h.code for h in index.search(q, K)] for q in queries]
    judged = [(q, r, o) for q, r, o in zip(queries, reference, ours) if r]  # Lucene found something
    overlaps = [len(set(r) & set(o)) / len(r) for _q, r, o in judged]
    ndcgs = [ndcg(r, o) for _q, r, o in judged]
    top1 = [bool(o) and r[0] == o[0] for _q, r, o in judged]
    missed = sum(1 for r, o in zip(reference, ours) if not r and o)
    print(f"queries: {len(queries)} ({len(judged)} with Lucene hits; tantivy found hits for {missed} of the others)")
    print(f"terms: {len(corpus.terms):,} ICD-10-CM")
    print(f"mean top-{K} overlap with Lucene BM25 (Elasticsearch scoring): {sum(overlaps) / len(overlaps):.3f}")
    print(f"mean NDCG@{K} against Lucene's ranking: {sum(ndcgs) / len(ndcgs):.3f}")
    print(f"same first hit: {sum(top1) / len(top1):.3f}")
    worst = sorted(zip(overlaps, (q for q, _r, _o in judged)))[:5]
    print("lowest overlaps: " + "; ".join(f"{q!r} {o:.1f}" for o, q in worst))


if __name__ == "__main__":
    main()
