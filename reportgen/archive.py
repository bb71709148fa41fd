"""The site's archive of de-identified note -> report pairs, searchable for worked examples.

Retrieval-augmented generation beyond terminology: for a new (de-identified) note, the
reports written for the k most similar archived notes go into the prompt as worked
examples (`generation.prompt.build_messages`). The archive is a folder:

    pairs.jsonl          the pairs, de-identified (note and report with the same surrogates)
    archive.json         count, de-identification policy, source file hash, build time
    index/               a BM25 index of the notes, one document per pair (code = pair id,
                         title = note), in either terminology backend: tantivy here, or an
                         Elasticsearch index (archive.json names its alias; the connection comes
                         from the `es` settings, as for terminology)

Only de-identified text is stored or searched. Built with `reportgen examples index`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reportgen.data import Pair, file_sha256, read_pairs, write_pairs
from reportgen.errors import RuntimeFailure, UsageError
from reportgen.files import atomic_write
from reportgen.generation.prompt import fit_examples, reference_draft
from reportgen.layout import Layout
from reportgen.notes import Note
from reportgen.terminology.index import TermIndex
from reportgen.terminology.tantivy_index import TantivyIndex
from reportgen.terminology.terms import Corpus, Source, Term

if TYPE_CHECKING:
    from reportgen.config import EsSettings
    from reportgen.pipeline import Pipeline  # build_archive is handed one; the archive itself sits below it

PAIRS_FILE = "pairs.jsonl"
META_FILE = "archive.json"
SYSTEM = "examples"
_REBUILD = "Build it with `reportgen examples index --data PAIRS -o DIR`."


@dataclass
class ExampleArchive:
    path: Path
    index: TermIndex
    pairs: dict[str, Pair]
    meta: dict

    @classmethod
    def open(cls, path: Path, es: EsSettings | None = None, **client_options: Any) -> ExampleArchive:
        """`es`: the connection for an archive indexed in Elasticsearch (`client_options` go to the client)."""
        try:
            meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RuntimeFailure(f"{path} is not an example archive (no readable {META_FILE}).", _REBUILD) from None
        pairs = {pair.id: pair for pair in read_pairs(path / PAIRS_FILE)}
        index: TermIndex
        if meta.get("backend", "tantivy") == "elasticsearch":
            if es is None or not es.url:
                raise UsageError(f"the example archive {path} is indexed in Elasticsearch.", "Set es.url (REPORTGEN_ES_URL).")
            from reportgen.terminology.elastic import ElasticsearchIndex, connect

            index = ElasticsearchIndex(connect(es, **client_options), meta["alias"])
        else:
            index = TantivyIndex(path / "index")
        return cls(path, index, pairs, meta)

    @property
    def version(self) -> str:
        """Short hash of the archive's metadata: what a model card and a report's provenance record."""
        return hashlib.sha256((self.path / META_FILE).read_bytes()).hexdigest()[:16]

    def nearest(self, note_text: str, k: int, exclude: str | None = None) -> list[Pair]:
        """The k archived pairs whose notes are most like `note_text` (BM25), best first; `exclude`
        leaves a pair out (training on an archived pair must not see its own report)."""
        if k <= 0:
            return []
        from reportgen.terminology.analysis import bound_query

        hits = self.index.search(bound_query(note_text), k + (exclude is not None), SYSTEM)
        return [self.pairs[hit.code] for hit in hits if hit.code != exclude and hit.code in self.pairs][:k]

    def worked_examples(
        self, note_text: str, layout: Layout, tokenizer: Any, k: int, budget: int, exclude: str | None = None
    ) -> list[str]:
        """The reports of the nearest pairs in the layout's draft format, fitted to `budget` prompt tokens:
        what training and inference both put into the prompt."""
        reports = [reference_draft(pair.report, layout) for pair in self.nearest(note_text, k, exclude)]
        return fit_examples(reports, tokenizer, budget)


def build_archive(
    data: Path,
    output: Path,
    pipeline: Pipeline,
    overwrite: bool = False,
    index: TermIndex | None = None,
) -> ExampleArchive:
    """De-identify every pair of `data` (note and report together) and index the notes: in `output`/index
    (tantivy), or in the given `index` (an `ElasticsearchIndex`: the alias it was made with is recorded)."""
    if output.exists() and any(output.iterdir()) and not overwrite:
        raise UsageError(f"output {output} is not empty.", "Choose a new folder or pass --force.")
    policy = pipeline.deid_policy
    if policy is None:
        raise UsageError("the example archive holds de-identified pairs only.", "Do not switch de-identification off.")
    source = read_pairs(data)
    notes = [Note(id=p.id, text=p.note, sha256=hashlib.sha256(p.note.encode("utf-8")).hexdigest()) for p in source]
    prepared = pipeline.prepare(notes, also=[[pair.report] for pair in source])
    clean = [Pair(id=pair.id, note=p.text, report=p.deid.also[0]) for pair, p in zip(source, prepared, strict=True)]
    output.mkdir(parents=True, exist_ok=True)
    write_pairs(output / PAIRS_FILE, clean)
    corpus = Corpus(
        Source(system=SYSTEM, version=file_sha256(data)[:12], name=data.name, count=len(clean)),
        [Term(system=SYSTEM, code=pair.id, title=pair.note) for pair in clean],
    )
    index = index or TantivyIndex(output / "index")
    index.build([corpus])
    alias = getattr(index, "alias", None)  # Elasticsearch: where the index is
    meta = {
        "format": 1,
        "backend": index.name,
        **({"alias": alias} if alias else {}),
        "pairs": len(clean),
        "deid_policy": policy,
        "source": data.name,
        "source_sha256": file_sha256(data),
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write(output / META_FILE, json.dumps(meta, indent=2) + "\n")
    return ExampleArchive(output, index, {pair.id: pair for pair in clean}, meta)
