"""One index interface, two backends (tantivy embedded, Elasticsearch), and the
`Terminology` front that every caller uses: it expands the query client-side,
then asks whichever backend is configured."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

from reportgen.config import Settings
from reportgen.terminology.analysis import bound_query
from reportgen.terminology.corpora import load_source, shipped_corpora
from reportgen.terminology.expansion import Expander
from reportgen.terminology.tantivy_index import TantivyIndex
from reportgen.terminology.terms import Corpus, Hit, Stats


class TermIndex(Protocol):
    """What every backend implements; tests/terminology/test_contract.py holds them to it."""

    name: str

    def build(self, corpora: Sequence[Corpus], progress: Callable[[int], None] | None = None) -> Stats:
        """Replace the index with these terms; `progress(n)` is called as n more terms are indexed."""
        ...

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        """Best `k` hits for the (already expanded) query, optionally from one system only."""
        ...

    def ensure(self, load: Callable[[], Sequence[Corpus]], say: Callable[[str], None]) -> None:
        """Make the index exist: an embedded one is built from `load()` on first use, saying so with `say`."""
        ...

    def stats(self) -> Stats: ...


@dataclass
class Terminology:
    index: TermIndex
    expander: Expander | None

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        """Search with abbreviations and lay terms expanded. Any text is accepted: text with
        nothing searchable (punctuation, stop words) returns no hits rather than an error."""
        query = bound_query(query)
        if self.expander is not None:
            query = self.expander.expand(query)
        return self.index.search(query, k, system)

    @cached_property
    def description(self) -> str:
        """Backend, vocabulary versions and build time, for the report's provenance."""
        stats = self.index.stats()
        return f"{stats.backend} {stats.version} (built {stats.built_at})"


def make_index(settings: Settings) -> TermIndex:
    if settings.terms.backend == "elasticsearch":
        from reportgen.terminology.elastic import ElasticsearchIndex, connect

        return ElasticsearchIndex(connect(settings.es), settings.es.index)
    return TantivyIndex(index_path(settings))


def index_path(settings: Settings) -> Path:
    return settings.terms.index_dir or settings.data_dir / "terms"


def load_corpora(sources: Sequence[Path], shipped: bool = True, system: str | None = None) -> list[Corpus]:
    """The shipped vocabularies (unless `shipped` is False) plus the user's files."""
    return [*(shipped_corpora() if shipped else []), *(load_source(Path(p), system) for p in sources)]


def open_terminology(settings: Settings, say: Callable[[str], None] | None = None) -> Terminology:
    """Open the configured index; an absent embedded index is built from the shipped corpora first."""
    index = make_index(settings)
    index.ensure(lambda: load_corpora(settings.terms.sources), say or _stderr)
    index.stats()  # fails now, with a clear message, if the index is missing, corrupt or unreachable
    return Terminology(index, Expander.load() if settings.terms.expand else None)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)
