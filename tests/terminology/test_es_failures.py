"""An Elasticsearch that refuses, never answers or speaks plain http to https: one line, exit 4,
one timeout at most, none of the client's own retry warnings unless --debug (servers on 127.0.0.1 only)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from reportgen import errors
from reportgen.cli import cli


def search(url: str, *more: str):
    args = [*more, "terms", "search", "chest pain", "--backend", "elasticsearch", "--es-url", url, "--es-timeout", "1"]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


def assert_one_line(result, message: str) -> None:
    assert result.exit_code == errors.RUNTIME, result.output
    assert result.stderr.splitlines() == [result.stderr.strip()] and message in result.stderr


@pytest.fixture
def silent() -> Iterator[tuple[str, list[socket.socket]]]:
    """A server that accepts connections and never answers; yields its URL and the connections it took."""
    server = socket.create_server(("127.0.0.1", 0))
    taken: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                taken.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", taken
    server.close()
    for conn in taken:
        conn.close()


def test_a_server_that_never_answers_costs_one_timeout(silent, caplog):
    caplog.set_level(logging.DEBUG, logger="elastic_transport")
    url, taken = silent
    result = search(url)
    assert_one_line(result, f"Elasticsearch at {url} did not answer in time.")
    assert len(taken) == 1  # no retries of a timed-out request: bounded by --es-timeout
    assert not [r for r in caplog.records if r.name.startswith("elastic_transport")]


def test_a_refused_connection_is_one_line_without_transport_warnings(caplog):
    caplog.set_level(logging.DEBUG, logger="elastic_transport")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = search(url)  # the port is closed now
    assert_one_line(result, f"cannot reach Elasticsearch at {url}.")
    assert not [r for r in caplog.records if r.name.startswith("elastic_transport")]


def test_vv_shows_the_transport_log(caplog):
    caplog.set_level(logging.DEBUG, logger="elastic_transport")
    with socket.create_server(("127.0.0.1", 0)) as probe:
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    result = search(url, "-vv")
    assert result.exit_code == errors.RUNTIME
    assert [r for r in caplog.records if r.name.startswith("elastic_transport")]


def test_https_to_a_plain_http_server_says_so():
    server = HTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.RequestHandlerClass.log_message = lambda *args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        result = search(f"https://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
    assert_one_line(result, "does not speak TLS. Use an http:// URL")
