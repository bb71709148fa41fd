"""The example archive's contract, on each index backend: tantivy in the folder, Elasticsearch served by
osmem-server, and a real Elasticsearch when REPORTGEN_TEST_ES_URL is set (as the terminology contract
tests do). Orders are asserted only where hits are clearly separated (osmem's BM25 is not Lucene's)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reportgen.archive import SYSTEM, ExampleArchive, build_archive
from reportgen.config import EsSettings
from reportgen.data import write_pairs
from reportgen.errors import UsageError
from reportgen.pipeline import Pipeline
from reportgen.terminology.index import TermIndex
from tests.llm.test_examples import NAMED
from tests.terminology.conftest import osmem_es  # noqa: F401  (session fixture: one osmem server)
from tests.training.conftest import make_pairs


@pytest.fixture(params=["tantivy", "osmem", "elasticsearch"])
def store(request: pytest.FixtureRequest) -> Iterator[tuple[TermIndex | None, EsSettings | None, dict[str, Any]]]:
    """(index to build into, None = the folder's tantivy index; the connection to open it with; client options)."""
    if request.param == "tantivy":
        yield None, None, {}
        return
    from reportgen.terminology.elastic import ElasticsearchIndex, connect

    if request.param == "osmem":
        from tests.terminology.osmem import PlainJsonNode

        es, options = EsSettings(url=request.getfixturevalue("osmem_es")), {"node_class": PlainJsonNode}
    else:
        url = os.environ.get("REPORTGEN_TEST_ES_URL")
        if not url:
            pytest.skip("set REPORTGEN_TEST_ES_URL to a real Elasticsearch (8.x/9.x) to run this tier")
        es, options = EsSettings(url=url), {}
    index = ElasticsearchIndex(connect(es, **options), f"rg-test-examples-{uuid.uuid4().hex[:8]}")
    yield index, es, options
    if index.client.indices.exists_alias(name=index.alias):
        for name in index.client.indices.get_alias(name=index.alias):
            index.client.indices.delete(index=name)


def test_an_archive_on_any_backend_finds_the_nearest_de_identified_pairs(
    store: tuple[TermIndex | None, EsSettings | None, dict[str, Any]], pipeline: Pipeline, tmp_path: Path
) -> None:
    index, es, options = store
    write_pairs(tmp_path / "source.jsonl", [*make_pairs(), NAMED])
    build_archive(tmp_path / "source.jsonl", tmp_path / "archive", pipeline, index=index)
    archive = ExampleArchive.open(tmp_path / "archive", es, **options)
    assert archive.meta["backend"] == ("tantivy" if index is None else "elasticsearch") and archive.meta["pairs"] == 17
    query = make_pairs()[3].note  # headaches
    found = archive.nearest(query, 2)
    assert found[0].id == "p03" and "headaches" in found[1].note
    assert "p03" not in [p.id for p in archive.nearest(query, 2, exclude="p03")]
    assert archive.index.search("Carter", 5, SYSTEM) == []  # the index holds de-identified notes only
    assert archive.index.search("knee pain", 5, SYSTEM)


def test_an_elasticsearch_archive_needs_the_connection(pipeline: Pipeline, tmp_path: Path, osmem_es: str) -> None:  # noqa: F811
    from reportgen.terminology.elastic import ElasticsearchIndex, connect
    from tests.terminology.osmem import PlainJsonNode

    index = ElasticsearchIndex(connect(EsSettings(url=osmem_es), node_class=PlainJsonNode), f"rg-test-examples-{uuid.uuid4().hex[:8]}")
    write_pairs(tmp_path / "source.jsonl", make_pairs()[:3])
    build_archive(tmp_path / "source.jsonl", tmp_path / "archive", pipeline, index=index)
    with pytest.raises(UsageError, match="indexed in Elasticsearch"):
        ExampleArchive.open(tmp_path / "archive")


def test_examples_index_on_elasticsearch_without_a_cluster_url_is_a_one_line_usage_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reportgen.cli import cli

    write_pairs(tmp_path / "pairs.jsonl", make_pairs()[:2])
    result = CliRunner().invoke(
        cli, ["examples", "index", "--data", str(tmp_path / "pairs.jsonl"), "-o", str(tmp_path / "archive"), "--backend", "elasticsearch"],
        env={"REPORTGEN_ES_URL": ""},
    )
    assert result.exit_code == UsageError.exit_code and "cluster URL" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "archive").exists()
