"""Elasticsearch-only behaviour: the alias swap, and one-line errors for each failure."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from reportgen.config import EsSettings
from reportgen.errors import RuntimeFailure
from reportgen.terminology.elastic import ElasticsearchIndex, connect
from tests.terminology.conftest import corpus
from tests.terminology.osmem import PlainJsonNode


@pytest.fixture
def es(osmem_es: str, request: pytest.FixtureRequest) -> ElasticsearchIndex:
    return ElasticsearchIndex(connect(EsSettings(url=osmem_es), node_class=PlainJsonNode), f"rg-{request.node.name[-20:].lower()}")


def test_missing_index_says_how_to_build_it(es: ElasticsearchIndex) -> None:
    with pytest.raises(RuntimeFailure, match=r"no terminology index 'rg-.*' on http://127\.0\.0\.1:\d+\. Run `reportgen terms index --backend elasticsearch`"):
        es.search("chest pain")


def test_rebuild_moves_the_alias_and_drops_the_old_index(es: ElasticsearchIndex) -> None:
    es.build(corpus())
    (first,) = es.client.indices.get_alias(name=es.alias)
    es.build(corpus())
    (second,) = es.client.indices.get_alias(name=es.alias)
    assert second != first and second.startswith(f"{es.alias}-")
    assert not es.client.indices.exists(index=first)
    assert es.stats().location.endswith(f"{es.alias} -> {second}")


def test_alias_name_taken_by_an_index(es: ElasticsearchIndex) -> None:
    es.client.indices.create(index=es.alias)
    with pytest.raises(RuntimeFailure, match="is an index, not an alias"):
        es.build(corpus())
    assert list(es.client.indices.get(index=f"{es.alias}*")) == [es.alias]  # the new index was dropped


class _Answer(BaseHTTPRequestHandler):
    status, body = 401, {}

    def _reply(self) -> None:
        payload = json.dumps(self.body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Elastic-Product", "Elasticsearch")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_HEAD = _reply

    def log_message(self, *args: object) -> None:
        pass


def _server(status: int, error_type: str) -> Iterator[str]:
    handler = type("Handler", (_Answer,), {"status": status, "body": {"error": {"type": error_type, "reason": "x"}, "status": status}})
    server = HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://user:pa55word@127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize(
    "status, error_type, message",
    [
        (401, "security_exception", r"rejected the credentials \(HTTP 401\)\. Check --es-api-key or --es-user/--es-password"),
        (403, "security_exception", r"refused the request \(HTTP 403\)"),
        (400, "media_type_header_exception", r"does not accept this client's version .* pip install 'elasticsearch>=8.12,<9'"),
        (500, "internal_server_error", r"answered HTTP 500 \(internal_server_error\)"),
    ],
)
def test_server_errors_are_one_line_without_secrets(status: int, error_type: str, message: str) -> None:
    for url in _server(status, error_type):
        index = ElasticsearchIndex(connect(EsSettings(url=url, max_retries=0)), "terms")
        with pytest.raises(RuntimeFailure, match=message) as caught:
            index.search("chest pain")
        assert "pa55word" not in str(caught.value) and "\n" not in str(caught.value)
