"""The embedded backend: a tantivy index in a folder, analysed like Elasticsearch's
`english` analyzer and ranked with the same BM25 and field boosts."""

from __future__ import annotations

import fcntl
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import tantivy

from reportgen.errors import RuntimeFailure
from reportgen.files import atomic_write
from reportgen.terminology.analysis import FIELDS, analyze, english_analyzer, field_texts, matched_field, normalize, wordings_of
from reportgen.terminology.bare_names import BareName, bare_names, from_json
from reportgen.terminology.spelling import vocabulary
from reportgen.terminology.terms import FORMAT, VECTORS_FILE, Corpus, Hit, Source, Stats

if TYPE_CHECKING:  # numpy (0.1 s of start-up) only when the dense side is on
    from reportgen.terminology.dense import Vectors
    from reportgen.terminology.encoder import Encoder

META_FILE = "reportgen-index.json"
VOCABULARY_FILE = "vocabulary.json"  # word counts for spelling correction
BARE_NAMES_FILE = "bare-names.json"  # ICD-10-CM's code for a name said without detail
ANALYZER = "en_lucene"
# Stored documents kept read (a problem list asks ~13 searches of 100 documents, mostly the same common
# codes across the notes of a batch); reading one costs more than the search that finds it.
_READ_DOCUMENTS = 20_000
_REBUILD = "Run `reportgen terms index` to rebuild it."


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("system", stored=True, tokenizer_name="raw")
    builder.add_text_field("code", stored=True, tokenizer_name="raw")
    for name in FIELDS:
        builder.add_text_field(name, stored=False, tokenizer_name=ANALYZER)
    # The text as written (indexed fields hold it with possessives stripped), for display.
    builder.add_bytes_field("original", stored=True, indexed=False)
    builder.add_integer_field("billable", stored=True)
    return builder.build()


def _write(folder: Path, corpora: Sequence[Corpus], progress: Callable[[int], None] | None) -> int:
    index = tantivy.Index(_schema(), path=str(folder))
    index.register_tokenizer(ANALYZER, english_analyzer())
    # One thread = one segment in insertion order: equal scores then rank as in Lucene (by document order).
    writer = index.writer(heap_size=256_000_000, num_threads=1)
    count = 0
    try:
        for term in (t for corpus in corpora for t in corpus.terms):
            fields = field_texts(term)
            doc = tantivy.Document(system=term.system, code=term.code, **{k: normalize(v) for k, v in fields.items()})
            doc.add_bytes("original", json.dumps(fields).encode())
            if term.billable is not None:
                doc.add_integer("billable", int(term.billable))
            writer.add_document(doc)
            count += 1
            if progress and count % 1000 == 0:
                progress(1000)
        writer.commit()
    except BaseException:
        writer.rollback()  # stop the indexing threads before the caller removes the folder
        raise
    finally:
        writer.wait_merging_threads()
    if progress:
        progress(count % 1000)
    return count


class TantivyIndex:
    name = "tantivy"

    def __init__(self, path: Path, encoder: Encoder | None = None):
        self.path = path
        self.encoder = encoder  # given: builds store term vectors for the dense side
        self._index: tantivy.Index | None = None
        self._searcher: tantivy.Searcher | None = None
        self._meta: dict | None = None
        self._read: dict[tuple[int, int], tuple[Hit, dict[str, str]]] = {}  # see _document

    def open(self) -> None:
        """Open the index or say it must be rebuilt (missing, corrupt, older format)."""
        if not self.path.is_dir():
            raise RuntimeFailure(f"no terminology index at {self.path}.", "Run `reportgen terms index` to build it.")
        try:
            meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
            found = meta["format"]
        except (OSError, ValueError, KeyError, TypeError):
            raise RuntimeFailure(f"the terminology index at {self.path} is corrupt or incomplete.", _REBUILD) from None
        if found != FORMAT:
            raise RuntimeFailure(
                f"the terminology index at {self.path} has format {found}; this reportgen reads format {FORMAT}.", _REBUILD
            )
        try:
            index = tantivy.Index.open(str(self.path))
            index.register_tokenizer(ANALYZER, english_analyzer())  # not persisted: register again on every open
            searcher = index.searcher()
        except (OSError, ValueError):
            raise RuntimeFailure(f"the terminology index at {self.path} is corrupt.", _REBUILD) from None
        self._index, self._searcher, self._meta = index, searcher, meta
        self._read = {}

    @contextmanager
    def locked(self) -> Iterator[None]:
        """One builder at a time per index folder (batch workers may all find it absent at once)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(f".{self.path.name}.lock"), "w")  # closed by the with below
        except OSError as e:  # data_dir is a file, read-only, or under /proc
            raise RuntimeFailure(
                f"cannot create the terminology index in {self.path.parent} ({e.strerror}).",
                "Point data_dir (REPORTGEN_DATA_DIR) or --index-dir at a writable folder.",
            ) from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def ensure(self, load: Callable[[], Sequence[Corpus]], say: Callable[[str], None]) -> None:
        """Build the index from `load()` if there is none yet (first use), or rebuild one an older reportgen
        wrote when `load()` still holds every vocabulary it had (else `open` says how to rebuild it); with an
        encoder, add the term vectors an index built without them lacks. One process builds, others wait."""
        if not self.path.exists() or self._older_sources() is not None:  # else no lock: the index may be read-only
            with self.locked():
                if not self.path.exists():
                    say(f"Building the terminology index in {self.path} (first use: seconds, a few minutes with term vectors)...")
                    self._build(load())
                elif (held := self._older_sources()) is not None:
                    corpora = load()
                    if held <= {c.source.name for c in corpora}:
                        say(f"Rebuilding the terminology index in {self.path}: an older reportgen wrote it...")
                        self._build(corpora)
        if self._lacks_vectors():
            self._add_vectors_if_held(load, say)

    def _add_vectors_if_held(self, load: Callable[[], Sequence[Corpus]], say: Callable[[str], None]) -> None:
        """Add the term vectors when the index holds the configured vocabularies (vectors of other terms
        would find codes BM25 can't). Where they cannot be written, searches go on with BM25 alone."""
        try:
            with self.locked():
                if not self._lacks_vectors():  # another process added them meanwhile
                    return
                corpora = load()
                stored = self._stored()
                if stored is not None and stored[1] == {c.source.name for c in corpora}:
                    say(f"Adding the term vectors of terms.dense to the terminology index in {self.path} (once: minutes on 2 cores)...")
                    from reportgen.terminology.dense import Vectors

                    assert self.encoder is not None  # _lacks_vectors says so
                    Vectors.build(corpora, self.encoder).save(self.path)
        except (RuntimeFailure, OSError) as e:  # a read-only index (a shared one, say) or no encoder
            say(f"cannot add the term vectors of terms.dense to {self.path} ({e}); searching with BM25 alone.")

    def _lacks_vectors(self) -> bool:
        """A dense-side index (an encoder given) that was built without term vectors (e.g. by the report pipeline)."""
        return self.encoder is not None and self.path.is_dir() and not (self.path / VECTORS_FILE).exists()

    def _older_sources(self) -> set[str] | None:
        """The vocabulary names of an index in an older format; None for a current, newer or unreadable one."""
        stored = self._stored()
        return stored[1] if stored is not None and isinstance(stored[0], int) and stored[0] < FORMAT else None

    def _stored(self) -> tuple[object, set[str]] | None:
        """The format and vocabulary names the metadata file records; None when it is missing or unreadable
        (`open` says so, with the fix)."""
        try:
            meta = json.loads((self.path / META_FILE).read_text(encoding="utf-8"))
            return meta["format"], {s["name"] for s in meta["sources"]}
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def build(self, corpora: Sequence[Corpus], progress: Callable[[int], None] | None = None) -> Stats:
        """Build a new index beside the old one, then swap folders: searchers never see half an index."""
        with self.locked():
            return self._build(corpora, progress)

    def _build(self, corpora: Sequence[Corpus], progress: Callable[[int], None] | None = None) -> Stats:
        # Called under the lock, one builder per folder: a building folder found here was left by a killed build.
        for left in self.path.parent.glob(f".{self.path.name}.building-*"):
            shutil.rmtree(left, ignore_errors=True)
        building = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.building-", dir=self.path.parent))
        try:
            meta = {
                "format": FORMAT,
                "count": _write(building, corpora, progress),
                "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sources": [c.source.__dict__ for c in corpora],
            }
            atomic_write(building / VOCABULARY_FILE, json.dumps(vocabulary(corpora)))
            atomic_write(building / BARE_NAMES_FILE, json.dumps(bare_names(corpora)))
            if self.encoder is not None:
                from reportgen.terminology.dense import Vectors

                Vectors.build(corpora, self.encoder, progress).save(building)
            atomic_write(building / META_FILE, json.dumps(meta, indent=2))
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        self._swap_in(building)
        self.open()
        return self.stats()

    def _swap_in(self, building: Path) -> None:
        old = self.path.with_name(f".{self.path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if self.path.exists():
            self.path.rename(old)
        building.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        if self._index is None:
            self.open()
        assert self._index is not None and self._searcher is not None
        tokens = analyze(query)
        if not tokens or k <= 0:
            return []
        schema = self._index.schema
        per_field = [
            tantivy.Query.boost_query(
                tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, name, t)) for t in tokens]),
                boost,
            )
            for name, boost in FIELDS.items()
        ]
        query_obj = tantivy.Query.disjunction_max_query(per_field)
        if system:
            only = tantivy.Query.const_score_query(tantivy.Query.term_query(schema, "system", system), 0.0)
            query_obj = tantivy.Query.boolean_query([(tantivy.Occur.Must, query_obj), (tantivy.Occur.Must, only)])
        terms = set(tokens)
        hits = []
        for score, address in self._searcher.search(query_obj, k).hits:
            stored, fields = self._document(address)
            hits.append(Hit(stored.system, stored.code, stored.title, score, matched_field(terms, fields),
                            stored.billable, stored.wordings))
        return hits

    def _document(self, address: tantivy.DocAddress) -> tuple[Hit, dict[str, str]]:
        """A stored document as a Hit without a score, and its fields; read once per opened searcher."""
        key = (address.segment_ord, address.doc)
        if (found := self._read.get(key)) is None:
            assert self._searcher is not None
            doc = self._searcher.doc(address)
            system, code, original, billable = (doc.get_first(name) for name in ("system", "code", "original", "billable"))
            if system is None or code is None or original is None:
                raise RuntimeFailure(f"the terminology index at {self.path} is corrupt.", _REBUILD)
            fields = json.loads(original)
            stored = Hit(system, code, fields["title"], 0.0, "title", None if billable is None else bool(billable),
                         wordings_of(fields))
            if len(self._read) >= _READ_DOCUMENTS:
                self._read.clear()
            found = self._read[key] = (stored, fields)
        return found

    def vocabulary(self) -> dict[str, int]:
        """Word counts over the indexed text, stored at build time."""
        if self._meta is None:
            self.open()
        try:
            return json.loads((self.path / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RuntimeFailure(f"the terminology index at {self.path} is corrupt or incomplete.", _REBUILD) from None

    def bare_names(self) -> list[BareName]:
        try:
            return from_json(json.loads((self.path / BARE_NAMES_FILE).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            raise RuntimeFailure(f"the terminology index at {self.path} is corrupt or incomplete.", _REBUILD) from None

    def vectors(self) -> Vectors | None:
        """The term vectors stored with the index (None if it was built without them)."""
        if self._meta is None:
            self.open()
        if not (self.path / VECTORS_FILE).exists():
            return None  # without importing numpy
        from reportgen.terminology.dense import Vectors

        return Vectors.load(self.path)

    def stats(self) -> Stats:
        if self._meta is None:
            self.open()
        assert self._meta is not None
        sources = tuple(Source(**s) for s in self._meta["sources"])
        return Stats(
            backend=self.name,
            location=str(self.path),
            count=self._meta["count"],
            version=" + ".join(f"{s.system} {s.version}" for s in sources),
            built_at=self._meta["built_at"],
            sources=sources,
        )
