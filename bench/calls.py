"""Reading the latency proxy's log: how many calls a scan made, of which kinds, how many
were throttled, and whether any URL was read twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.measure import THROTTLE_STATUSES

if TYPE_CHECKING:
    from tests.faultproxy import Entry


@dataclass(frozen=True)
class CallFacts:
    calls: int
    throttles: int
    by_service: Counter[str]
    by_operation: Counter[str]  # "service operation"
    repeated_reads: int  # extra GETs of a URL (path and query) already read


def summarise(log: Sequence[Entry]) -> CallFacts:
    """``log``: the proxy's entries.

    A repeated read is a second GET of the same URL: for S3 and Resource Manager the URL
    names the resource, the configuration (``?acl``) and the page, so a repeat is a
    redundant call. The query protocols (EC2, IAM) POST every call to "/", so their
    repeats are not visible here."""
    by_service: Counter[str] = Counter()
    by_operation: Counter[str] = Counter()
    reads: Counter[str] = Counter()
    throttles = 0
    for entry in log:
        by_service[entry.service] += 1
        by_operation[f"{entry.service} {entry.operation}"] += 1
        if entry.status in THROTTLE_STATUSES or entry.fault == "throttle":
            throttles += 1
        if entry.method == "GET":
            reads[entry.path] += 1
    repeated = sum(count - 1 for count in reads.values() if count > 1)
    return CallFacts(len(log), throttles, by_service, by_operation, repeated)


def per_resource(by_service: Counter[str], resources: Mapping[str, tuple[str, int]]) -> dict[str, float]:
    """``resources`` maps a service to (what it reads, how many were seeded), e.g.
    ``{"s3": ("bucket", 1000)}`` gives ``{"s3 calls per bucket": ...}``."""
    return {f"{service} calls per {noun}": by_service[service] / count
            for service, (noun, count) in resources.items() if count}
