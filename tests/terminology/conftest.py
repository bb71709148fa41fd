"""Backends for the contract tests: tantivy, Elasticsearch served by osmem-server,
and a real Elasticsearch when REPORTGEN_TEST_ES_URL is set."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen.config import EsSettings, Settings, load_settings
from reportgen.terminology.index import TermIndex, Terminology, open_terminology
from reportgen.terminology.tantivy_index import TantivyIndex
from reportgen.terminology.terms import Corpus, Source, Term

# A small vocabulary whose hits are clearly separated (codes and titles from ICD-10-CM FY2026 and DOID).
TERMS = [
    Term("icd10cm", "I10", "Essential (primary) hypertension", ("High blood pressure",), billable=True),
    Term("icd10cm", "E11", "Type 2 diabetes mellitus", ("diabetes NOS",), billable=False),
    Term("icd10cm", "E11.9", "Type 2 diabetes mellitus without complications", billable=True),
    Term("icd10cm", "J44.1", "Chronic obstructive pulmonary disease with (acute) exacerbation", billable=True),
    Term("icd10cm", "I21.9", "Acute myocardial infarction, unspecified", billable=True),
    Term("icd10cm", "N39.0", "Urinary tract infection, site not specified", billable=True),
    Term("icd10cm", "R07.9", "Chest pain, unspecified", billable=True),
    Term("icd10cm", "U07.1", "COVID-19", billable=True),
    Term("icd10cm", "A19", "Miliary tuberculosis", notes=("disseminated tuberculosis", "generalized tuberculosis"), billable=False),
    Term("icd10cm", "G30.9", "Alzheimer's disease, unspecified", billable=True),
    Term("doid", "DOID:9352", "type 2 diabetes mellitus"),
    Term("doid", "DOID:10763", "hypertension"),
]


def corpus(terms: list[Term] = TERMS) -> list[Corpus]:
    systems = sorted({t.system for t in terms})
    return [Corpus(Source(s, "test", "fixture", sum(t.system == s for t in terms)), [t for t in terms if t.system == s]) for s in systems]


@pytest.fixture(scope="session")
def osmem_es() -> Iterator[str]:
    osmem_server = pytest.importorskip("osmem_server")
    server = osmem_server.OsmemServer.start(japanese=False)
    yield server.url
    server.close()


def _es_index(url: str, **client_options: object) -> Iterator[TermIndex]:
    from reportgen.terminology.elastic import ElasticsearchIndex, connect

    index = ElasticsearchIndex(connect(EsSettings(url=url), **client_options), f"rg-test-{uuid.uuid4().hex[:8]}")
    yield index
    if index.client.indices.exists_alias(name=index.alias):  # real clusters refuse wildcard deletes
        for name in index.client.indices.get_alias(name=index.alias):
            index.client.indices.delete(index=name)


BACKENDS = ["tantivy", "osmem", "elasticsearch"]


def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TermIndex]:
    if request.param == "tantivy":
        yield TantivyIndex(tmp_path / "terms")
    elif request.param == "osmem":
        from tests.terminology.osmem import PlainJsonNode

        yield from _es_index(request.getfixturevalue("osmem_es"), node_class=PlainJsonNode)
    else:
        url = os.environ.get("REPORTGEN_TEST_ES_URL")
        if not url:
            pytest.skip("set REPORTGEN_TEST_ES_URL to a real Elasticsearch (8.x/9.x) to run this tier")
        yield from _es_index(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[TermIndex]:
    """An empty index of each backend, for tests that build or rebuild."""
    yield from _backend(request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TermIndex]:
    """Each backend holding TERMS, shared by a module's read-only tests."""
    for index in _backend(request, tmp_path_factory.mktemp("built")):
        index.build(corpus())
        yield index


def settings_for(index_dir: Path) -> Settings:
    """Lexical (terms.dense off): term vectors of the shipped vocabularies take minutes; dense tests turn it on."""
    return load_settings(overrides={"terms.index_dir": index_dir, "terms.dense": False}, env={})


@pytest.fixture(scope="session")
def full(data_dir: Path) -> Terminology:
    """The shipped ICD-10-CM + DOID index (tantivy), built once per session; lexical, as the report
    pipeline searches it."""
    return open_terminology(settings_for(data_dir / "terms"), say=lambda message: None)


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "terms"


