"""The Elasticsearch backend (8.x and 9.x servers) through the official client.

Each build creates a new versioned index (`<alias>-<UTC timestamp>`), bulk-loads it,
then moves the alias to it in one atomic `update_aliases` call and drops the old
one: searchers see the old index or the new one, never half of either. Failures
become one line that says what went wrong and how to fix it; there is never a
silent fallback to another backend.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import elasticsearch
from elasticsearch import Elasticsearch, helpers

from reportgen.config import EsSettings
from reportgen.errors import RuntimeFailure, UsageError
from reportgen.terminology.analysis import FIELDS, analyze, field_texts, matched_field, wordings_of
from reportgen.terminology.bare_names import BareName, bare_names, from_json
from reportgen.terminology.spelling import vocabulary
from reportgen.terminology.terms import FORMAT, Corpus, Hit, Source, Stats

if TYPE_CHECKING:  # numpy (0.1 s of start-up) only when the dense side is on
    from reportgen.terminology.dense import Vectors
    from reportgen.terminology.encoder import Encoder

_TEXT = {"type": "text", "analyzer": "english"}
MAPPING = {
    "dynamic": "strict",
    "properties": {
        "system": {"type": "keyword"},
        "code": {"type": "keyword"},
        **dict.fromkeys(FIELDS, _TEXT),
        "billable": {"type": "boolean"},
    },
}
_CHECK_URL = "Check --es-url / REPORTGEN_ES_URL and that the cluster is running."


def connect(settings: EsSettings, **client_options: Any) -> Elasticsearch:
    """A client from settings; `client_options` are passed through (tests give a node class)."""
    if not settings.url:
        raise UsageError("the elasticsearch backend needs a cluster URL.", "Pass --es-url or set REPORTGEN_ES_URL.")
    auth: dict[str, Any] = {}
    if settings.api_key:
        auth["api_key"] = settings.api_key.get_secret_value()
    elif settings.username:
        auth["basic_auth"] = (settings.username, settings.password.get_secret_value() if settings.password else "")
    # The client's own retry warnings and tracebacks only with -vv / --debug; errors become one line below.
    verbose = logging.getLogger().isEnabledFor(logging.DEBUG)
    logging.getLogger("elastic_transport").setLevel(logging.NOTSET if verbose else logging.CRITICAL)
    try:
        return Elasticsearch(
            settings.url,
            ca_certs=str(settings.ca_certs) if settings.ca_certs else None,  # type: ignore[arg-type]  # None = the system CAs
            verify_certs=settings.verify_certs,
            request_timeout=settings.request_timeout,
            max_retries=settings.max_retries,
            retry_on_timeout=False,  # a server that never answers costs one timeout, not (retries + 1) of them
            retry_on_status=(429, 502, 503, 504),
            **auth,
            **client_options,
        )
    except ValueError as e:  # malformed URL or TLS options
        raise UsageError(f"cannot use Elasticsearch URL {_safe(settings.url)} ({e}).", _CHECK_URL) from None


class ElasticsearchIndex:
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, alias: str, encoder: Encoder | None = None, vectors_dir: Path | None = None):
        """`encoder` given: builds also compute term vectors, kept on this machine in
        `vectors_dir/<index name>` (osmem-server has no kNN, so the dense side runs on the client)."""
        self.client = client
        self.alias = alias
        self.encoder = encoder
        self.vectors_dir = vectors_dir
        self.url = _safe(str(client.transport.node_pool.get().base_url))

    def ensure(self, load: Callable[[], Sequence[Corpus]], say: Callable[[str], None]) -> None:
        """Nothing to do: a cluster's index is built on purpose (`reportgen terms index`), never on first use."""

    def build(self, corpora: Sequence[Corpus], progress: Callable[[int], None] | None = None) -> Stats:
        built_at = datetime.now(UTC)
        name = f"{self.alias}-{built_at:%Y%m%d%H%M%S%f}"
        meta = {
            "format": FORMAT,
            "built_at": built_at.isoformat(timespec="seconds"),
            "sources": [c.source.__dict__ for c in corpora],
            "vocabulary": vocabulary(corpora),  # for client-side spelling correction
            "bare_names": bare_names(corpora),  # ICD-10-CM's code for a name said without detail
        }
        with self._errors():
            self.client.indices.create(
                index=name,
                settings={"number_of_shards": 1},  # one shard: BM25 statistics over the whole vocabulary
                mappings={**MAPPING, "_meta": meta},
            )
            try:
                self._load(name, corpora, progress)
                self.client.indices.refresh(index=name)
                if self.encoder is not None and self.vectors_dir is not None:
                    from reportgen.terminology.dense import Vectors

                    Vectors.build(corpora, self.encoder, progress).save(self.vectors_dir / name)
                self._point_alias_at(name)
            except BaseException:
                self.client.indices.delete(index=name, ignore_unavailable=True)
                raise
        return self.stats()

    def _load(self, name: str, corpora: Sequence[Corpus], progress: Callable[[int], None] | None) -> None:
        actions = (
            {
                "_index": name,
                # As written: the `english` analyzer strips possessives itself.
                "_source": {"system": t.system, "code": t.code, **field_texts(t), "billable": t.billable},
            }
            for corpus in corpora
            for t in corpus.terms
        )
        failed = 0
        for ok, _item in helpers.streaming_bulk(
            self.client, actions, chunk_size=2000, max_retries=3, raise_on_error=False, raise_on_exception=True
        ):
            failed += not ok
            if progress:
                progress(1)
        if failed:
            raise RuntimeFailure(
                f"Elasticsearch rejected {failed} terms; the new index was dropped and the old one is still in use.",
                "Check the cluster's logs and disk space, then run `reportgen terms index` again.",
            )

    def _point_alias_at(self, name: str) -> None:
        if self.client.indices.exists(index=self.alias) and not self.client.indices.exists_alias(name=self.alias):
            raise RuntimeFailure(
                f"'{self.alias}' on {self.url} is an index, not an alias.",
                "Delete it or choose another name with --es-index / REPORTGEN_ES_INDEX.",
            )
        old = list(self.client.indices.get_alias(name=self.alias)) if self.client.indices.exists_alias(name=self.alias) else []
        actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.alias}} for i in old]
        actions.append({"add": {"index": name, "alias": self.alias}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
            if self.vectors_dir is not None:
                shutil.rmtree(self.vectors_dir / index, ignore_errors=True)

    def search(self, query: str, k: int = 10, system: str | None = None) -> list[Hit]:
        tokens = analyze(query)
        if not tokens or k <= 0:
            return []
        match = {
            "multi_match": {
                "query": query,
                "type": "best_fields",
                "fields": [f"{name}^{boost}" for name, boost in FIELDS.items()],
            }
        }
        body: dict[str, Any] = {"bool": {"must": [match]}}
        if system:
            body["bool"]["filter"] = [{"term": {"system": system}}]
        with self._errors():
            response = self.client.search(index=self.alias, query=body, size=k)
        terms = set(tokens)
        hits = []
        for hit in response["hits"]["hits"]:
            doc = hit["_source"]
            hits.append(
                Hit(
                    system=doc["system"],
                    code=doc["code"],
                    title=doc["title"],
                    score=float(hit["_score"] or 0.0),
                    matched_field=matched_field(terms, doc),
                    billable=doc.get("billable"),
                    wordings=wordings_of(doc),
                )
            )
        return hits

    def vectors(self) -> Vectors | None:
        """The term vectors this machine computed when it built the index behind the alias."""
        from reportgen.terminology.dense import Vectors

        return Vectors.load(self.vectors_dir / self._meta()[0]) if self.vectors_dir is not None else None

    def vocabulary(self) -> dict[str, int]:
        """Word counts over the indexed text, kept in the index's metadata at build time."""
        return self._meta()[1]["vocabulary"]

    def bare_names(self) -> list[BareName]:
        """ICD-10-CM's "X NOS" names and their codes, kept in the index's metadata at build time."""
        return from_json(self._meta()[1]["bare_names"])

    def stats(self) -> Stats:
        name, meta = self._meta()
        with self._errors():
            count = self.client.count(index=self.alias)["count"]
        sources = tuple(Source(**s) for s in meta["sources"])
        return Stats(
            backend=self.name,
            location=f"{self.url} {self.alias} -> {name}",
            count=count,
            version=" + ".join(f"{s.system} {s.version}" for s in sources),
            built_at=meta["built_at"],
            sources=sources,
        )

    def _meta(self) -> tuple[str, dict[str, Any]]:
        """The index behind the alias and the metadata this reportgen stored in it."""
        with self._errors():
            mappings = self.client.indices.get_mapping(index=self.alias)
        name, mapping = next(iter(mappings.items()))
        meta = mapping["mappings"].get("_meta") or {}
        if meta.get("format") != FORMAT:
            raise RuntimeFailure(
                f"Elasticsearch index '{self.alias}' on {self.url} was not built by this reportgen version.",
                "Run `reportgen terms index --backend elasticsearch` to rebuild it.",
            )
        return name, meta

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Client exceptions -> one line naming the cause and the fix (no traceback, no document text)."""
        try:
            yield
        except elasticsearch.AuthenticationException:
            raise RuntimeFailure(
                f"Elasticsearch at {self.url} rejected the credentials (HTTP 401).",
                "Check --es-api-key or --es-user/--es-password (REPORTGEN_ES_API_KEY, REPORTGEN_ES_USERNAME, REPORTGEN_ES_PASSWORD).",
            ) from None
        except elasticsearch.AuthorizationException:
            raise RuntimeFailure(
                f"Elasticsearch at {self.url} refused the request (HTTP 403).",
                f"Give the user or API key read (search) and, to build, manage rights on '{self.alias}*'.",
            ) from None
        except elasticsearch.NotFoundError:
            raise RuntimeFailure(
                f"no terminology index '{self.alias}' on {self.url}.",
                "Run `reportgen terms index --backend elasticsearch` to build it.",
            ) from None
        except elasticsearch.ConnectionTimeout:
            raise RuntimeFailure(
                f"Elasticsearch at {self.url} did not answer in time.",
                "Check that the cluster is up and not overloaded, or raise --es-timeout / REPORTGEN_ES_REQUEST_TIMEOUT.",
            ) from None
        except elasticsearch.SSLError as e:
            if "WRONG_VERSION_NUMBER" in str(e.message):  # https:// to a server speaking plain http
                raise RuntimeFailure(
                    f"Elasticsearch at {self.url} does not speak TLS.", "Use an http:// URL (or enable TLS on the cluster)."
                ) from None
            raise RuntimeFailure(
                f"TLS to Elasticsearch at {self.url} failed (certificate not trusted?).",
                "Pass the cluster's CA with --es-ca-certs / REPORTGEN_ES_CA_CERTS.",
            ) from None
        except elasticsearch.ConnectionError:
            raise RuntimeFailure(f"cannot reach Elasticsearch at {self.url}.", _CHECK_URL) from None
        except elasticsearch.ApiError as e:
            if e.error == "media_type_header_exception":  # e.g. a 9.x client talking to an 8.x server
                raise RuntimeFailure(
                    f"Elasticsearch at {self.url} does not accept this client's version ({elasticsearch.__versionstr__}).",
                    "Install the client of the cluster's major version, e.g. pip install 'elasticsearch>=8.12,<9' for 8.x.",
                ) from None
            raise RuntimeFailure(
                f"Elasticsearch at {self.url} answered HTTP {e.meta.status} ({e.error}).",
                "Check the cluster's health and logs.",
            ) from None
        except elasticsearch.TransportError as e:  # anything else on the wire: its type, never its text
            raise RuntimeFailure(f"talking to Elasticsearch at {self.url} failed ({type(e).__name__}).", _CHECK_URL) from None


def _safe(url: str) -> str:
    """The URL without any user:password in it, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
