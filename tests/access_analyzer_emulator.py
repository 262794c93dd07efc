"""A small IAM Access Analyzer endpoint on 127.0.0.1 (moto has no Access Analyzer).

It answers ListAnalyzers (``GET /analyzer``) in the documented REST-JSON shape, per
region (read from the request's SigV4 credential scope), with pagination and injected
errors, so the real boto3 client is tested over real HTTP. Point botocore at it with
``AWS_ENDPOINT_URL_ACCESSANALYZER`` (the service-specific endpoint variable), leaving
``AWS_ENDPOINT_URL`` on moto for everything else.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/access-analyzer/aws4_request")


@dataclass
class AccessAnalyzerEmulator:
    url: str = ""
    # region -> analyzers as ListAnalyzers returns them
    analyzers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # region -> (HTTP status, error type) answered instead
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    page_size: int = 100
    requests: Counter[str] = field(default_factory=Counter)  # region -> ListAnalyzers requests

    def add(self, region: str, name: str, kind: str = "ACCOUNT", status: str = "ACTIVE", account: str = "") -> None:
        self.analyzers.setdefault(region, []).append(
            {
                "arn": f"arn:aws:access-analyzer:{region}:{account or '123456789012'}:analyzer/{name}",
                "name": name,
                "type": kind,
                "status": status,
                "createdAt": "2026-01-01T00:00:00Z",
            }
        )


def _handler(state: AccessAnalyzerEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # the name http.server calls
            parts = urlsplit(self.path)
            match = _SCOPE.search(self.headers.get("Authorization", ""))
            if parts.path != "/analyzer" or match is None:
                self._send(404, {"message": f"not emulated: {parts.path}"}, "ResourceNotFoundException")
                return
            region = match.group(1)
            state.requests[region] += 1
            if region in state.failures:
                status, kind = state.failures[region]
                self._send(status, {"message": f"injected {kind}"}, kind)
                return
            items = state.analyzers.get(region, [])
            start = int(parse_qs(parts.query).get("nextToken", ["0"])[0])
            page: dict[str, Any] = {"analyzers": items[start : start + state.page_size]}
            if start + state.page_size < len(items):
                page["nextToken"] = str(start + state.page_size)
            self._send(200, page)

        def _send(self, status: int, body: dict[str, Any], error_type: str | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return Handler


@contextmanager
def running() -> Iterator[AccessAnalyzerEmulator]:
    state = AccessAnalyzerEmulator()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
