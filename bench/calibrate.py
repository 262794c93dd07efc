"""The round trip of one request through the latency proxy, measured.

The ideal time assumes each call costs exactly the injected delay. The local stack adds
its own: the proxy's forwarding, the emulator's answer, TCP on a loaded machine. A few
sequential requests on one kept-alive connection measure that, so the tables can show
how much of a gap to the ideal the harness itself explains.
"""

from __future__ import annotations

import http.client
import ssl
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

SAMPLES = 21


def round_trip(url: str, path: str, *, ca_file: Path | None = None, samples: int = SAMPLES) -> float:
    """Median seconds of ``GET path`` at ``url`` (any answer counts: 401 and 404 are
    round trips too)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
        connection = http.client.HTTPSConnection(host, port, timeout=30, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=30)
    timings = []
    try:
        for _ in range(samples + 1):  # the first opens the connection (and TLS): not counted
            started = time.perf_counter()
            connection.request("GET", path)
            connection.getresponse().read()
            timings.append(time.perf_counter() - started)
    finally:
        connection.close()
    return statistics.median(timings[1:])
