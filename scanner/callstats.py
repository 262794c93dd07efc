"""Call accounting: what a collection asked of each cloud, and what it cost.

The collection layer fills a ``CallLedger`` from its SDK hooks (every API call and
every attempt, whatever collector made it); the frozen ``CallStats`` it yields travels
in the snapshot, feeds the report's ``scan.stats`` and its coverage section.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace


@dataclass(frozen=True)
class OperationStats:
    """One API operation in one account and region."""

    provider: str
    account: str
    region: str
    service: str
    operation: str
    calls: int = 0  # calls made, each counted once however many attempts it took
    retries: int = 0  # attempts beyond the first
    throttled: int = 0  # attempts the cloud answered with a throttling error
    failed: int = 0  # calls that ended in an error after their retries

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.provider, self.account, self.region, self.service, self.operation)


@dataclass(frozen=True)
class CollectorTiming:
    """Wall time of one collector in one account or subscription."""

    collector: str
    provider: str
    account: str
    seconds: float


@dataclass(frozen=True)
class CallStats:
    operations: tuple[OperationStats, ...] = ()
    collectors: tuple[CollectorTiming, ...] = ()
    wall_seconds: float = 0.0  # the whole collection, start to end
    max_workers: int = 0

    def total(self, name: str) -> int:
        """The sum of one counter ("calls", "retries", "throttled", "failed")."""
        return sum(int(getattr(op, name)) for op in self.operations)


COUNTERS = tuple(f.name for f in fields(OperationStats) if f.type == "int")


def merge(parts: Iterable[CallStats]) -> CallStats:
    """Several collections' accounting as one (operations with the same key summed)."""
    parts = list(parts)
    ops: dict[tuple[str, str, str, str, str], OperationStats] = {}
    for part in parts:
        for op in part.operations:
            seen = ops.get(op.key)
            ops[op.key] = op if seen is None else replace(
                seen, **{name: getattr(seen, name) + getattr(op, name) for name in COUNTERS}
            )
    return CallStats(
        operations=tuple(sorted(ops.values(), key=lambda op: op.key)),
        collectors=tuple(t for part in parts for t in part.collectors),
        wall_seconds=max((part.wall_seconds for part in parts), default=0.0),
        max_workers=max((part.max_workers for part in parts), default=0),
    )


@dataclass
class CallLedger:
    """Thread-safe counters, filled while collectors run."""

    _ops: dict[tuple[str, str, str, str, str], dict[str, int]] = field(default_factory=dict)
    _timings: list[CollectorTiming] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, provider: str, account: str, region: str, service: str, operation: str, **counts: int) -> None:
        key = (provider, account, region, service, operation)
        with self._lock:
            slot = self._ops.setdefault(key, dict.fromkeys(COUNTERS, 0))
            for name, value in counts.items():
                slot[name] += value

    def timed(self, timing: CollectorTiming) -> None:
        with self._lock:
            self._timings.append(timing)

    def throttled(self) -> int:
        with self._lock:
            return sum(slot["throttled"] for slot in self._ops.values())

    def calls(self) -> int:
        with self._lock:
            return sum(slot["calls"] for slot in self._ops.values())

    def stats(self, wall_seconds: float, max_workers: int) -> CallStats:
        with self._lock:
            ops = tuple(
                OperationStats(*key, counts["calls"], counts["retries"], counts["throttled"], counts["failed"])
                for key, counts in sorted(self._ops.items())
            )
            timings = tuple(self._timings)
        return CallStats(ops, timings, round(wall_seconds, 3), max_workers)
