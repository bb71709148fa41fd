"""Test-only: let the official Elasticsearch client talk to osmem-server.

The client sends `application/vnd.elasticsearch+json; compatible-with=N` (`+x-ndjson` for bulk), which
osmem (an in-memory OpenSearch-compatible server) answers with HTTP 406. This
node class rewrites those two headers to plain JSON / NDJSON; nothing else changes.
"""

from __future__ import annotations

from typing import Any

from elastic_transport import HttpHeaders, Urllib3HttpNode


class PlainJsonNode(Urllib3HttpNode):
    def perform_request(self, method: str, target: str, body: bytes | None = None, headers: HttpHeaders | None = None, **kw: Any):  # type: ignore[override]
        headers = HttpHeaders(headers or {})
        for name in ("accept", "content-type"):
            value = headers.get(name, "")
            if "vnd.elasticsearch+" in value:
                headers[name] = "application/x-ndjson" if "ndjson" in value else "application/json"
        return super().perform_request(method, target, body=body, headers=headers, **kw)
