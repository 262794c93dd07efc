"""``--executor dask``: run the collection units on a Dask distributed cluster.

The driver plans the accounts or subscriptions with its own credentials
(``targets``), submits one opening unit per AWS account, then, as each account opens,
its collection units (per region for the collectors that read regions independently),
each with ``retries`` for exceptions; the scheduler reschedules the units of a worker
that dies (up to its ``allowed-failures``). Every shard comes back as snapshot JSON and
the shards are merged into one snapshot, evaluated locally exactly like a local one.

A unit that still fails becomes a scope-level CollectionError for every record type
its collector produces (code ``UnitFailed``; ``WorkerLost`` when workers kept dying
under it): the scan is reported incomplete, never silently narrowed.

This is the only module that imports Dask; it is loaded only when ``--executor dask``
is chosen.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from scanner import callstats, runner, snapshot
from scanner.collect import catalog
from scanner.collect.base import CollectorSpec, CollectResult, SetupError
from scanner.collect.pool import Pool
from scanner.executors import targets, worker
from scanner.executors.units import Opened, Pooling, Target, Unit, collection_units, opening_unit
from scanner.snapshot import CollectionError, Scope, Snapshot

DEFAULT_RETRIES = 2
CONNECT_TIMEOUT = "10s"
# variables whose values must never reach a report, even inside a worker's error text
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AZURE_CLIENT_SECRET",
                    "AZURE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "SKYSCAN_BLOB_SHARED_KEY",
                    "SKYSCAN_EXTERNAL_ID")


class DaskSetupError(SetupError):
    """Dask is not installed, or the scheduler cannot be reached (exit 2)."""


def collect(
    args: argparse.Namespace,
    collectors: Sequence[CollectorSpec],
    fields: Mapping[str, frozenset[str]] | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> Snapshot:
    """Plan on the driver, collect on the cluster at ``args.scheduler``, merge.
    ``fields`` (``runner.fields_needed``) narrows the reads as in a local scan."""
    if not getattr(args, "scheduler", None):
        raise DaskSetupError("--executor dask needs --scheduler tcp://HOST:PORT (the Dask scheduler)")
    try:
        from distributed import Client
    except ImportError:
        raise DaskSetupError("--executor dask needs Dask: pip install 'skyscan[dask]'") from None
    try:  # before any cloud call: an unreachable scheduler stops the scan at once
        client = Client(args.scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as exc:
        raise DaskSetupError(f"--scheduler {args.scheduler}: cannot reach the Dask scheduler "
                             f"({exc.__class__.__name__})") from None
    with client:
        started = time.monotonic()
        with Pool(args.max_workers) as pool:
            planned = targets.targets(args.provider, args, pool)
            planning_stats = pool.calls.stats(time.monotonic() - started, pool.max_workers)
        workers = len(client.scheduler_info().get("workers", {}))
        say(f"collecting {', '.join(c.name for c in collectors)} in {len(planned)} scopes on {workers} Dask workers")
        retries = getattr(args, "dask_retries", None)
        scan = _Scan(client, collectors, targets.pooling(args, fields), DEFAULT_RETRIES if retries is None else retries)
        snap = scan.run(planned, planning_stats)
    say(f"{scan.submitted} units ran on the cluster, {scan.failed} failed")
    return snap


class _Scan:
    """One distributed collection: submits units as accounts open, keeps each shard
    under a key that sorts like a local scan's order."""

    def __init__(self, client: Any, collectors: Sequence[CollectorSpec], pooling: Pooling, retries: int) -> None:
        self.client = client
        self.collectors = tuple(collectors)
        self.pooling = pooling
        self.retries = retries
        self.token = uuid.uuid4().hex[:8]
        self.shards: dict[tuple[int, int, str], list[Snapshot]] = {}
        self.submitted = 0
        self.failed = 0

    def run(self, targets: Sequence[Target], planning_stats: callstats.CallStats) -> Snapshot:
        from distributed import as_completed

        started = time.monotonic()
        record_types = catalog.record_types()
        pending: dict[Any, tuple[int, Target, Unit]] = {}
        for index, target in enumerate(targets):
            if target.unreachable is not None:
                self._keep(index, -1, "", _unreachable(target, self.collectors))
            elif target.opens:
                opening = opening_unit(target, self.collectors, self.pooling)
                pending[self._submit(worker.open_account, opening, priority=1)] = (index, target, opening)
            else:
                for unit in collection_units(target, self.collectors, None, self.pooling):
                    pending[self._submit(worker.run_unit, unit)] = (index, target, unit)
        queue = as_completed(list(pending), loop=self.client.loop)  # type: ignore[no-untyped-call]
        for future in queue:
            index, target, unit = pending.pop(future)
            failure = _failure(future)
            if failure is not None:
                self.failed += 1
                self._keep(index, _order(self.collectors, unit), unit.region, _failed(unit, self.collectors, failure))
            elif not unit.collector:  # an account opened
                opened: Opened = future.result()
                self._keep(index, -1, "", Snapshot.from_json(opened.shard, record_types))
                if opened.unreachable is not None:
                    self._keep(index, -1, "", _unreachable(replace(target, unreachable=opened.unreachable),
                                                           self.collectors))
                    continue
                for part in collection_units(target, self.collectors, opened.enabled, self.pooling):
                    submitted = self._submit(worker.run_unit, part)
                    pending[submitted] = (index, target, part)
                    queue.add(submitted)  # type: ignore[no-untyped-call]
            else:
                self._keep(index, _order(self.collectors, unit), unit.region,
                           Snapshot.from_json(future.result(), record_types))
            future.release()
        return self._merge(targets, planning_stats, time.monotonic() - started)

    def _submit(self, func: Callable[[Unit], Any], unit: Unit, priority: int = 0) -> Any:
        self.submitted += 1
        key = f"skyscan-{unit.label}-{self.token}-{self.submitted}"
        return self.client.submit(func, unit, key=key, retries=self.retries, pure=False, priority=priority)

    def _keep(self, index: int, order: int, region: str, shard: Snapshot) -> None:
        self.shards.setdefault((index, order, region), []).append(shard)

    def _merge(self, targets: Sequence[Target], planning_stats: callstats.CallStats, wall: float) -> Snapshot:
        ordered = [shard for key in sorted(self.shards) for shard in self.shards[key]]
        merged = snapshot.merge(*ordered)
        scopes = [_scope(target, [s for key, parts in self.shards.items() if key[0] == index for s in parts])
                  for index, target in enumerate(targets)]
        stats = callstats.merge([planning_stats, *(s.stats for s in ordered if s.stats)])
        stats = replace(stats, wall_seconds=round(wall, 3), max_workers=self.pooling.max_workers)
        produced = [t for c in self.collectors for t in c.produces]
        return Snapshot(scopes, merged.all_resources(), merged.errors, created_at=runner.now(), collected=produced,
                        stats=stats)


def _order(collectors: Sequence[CollectorSpec], unit: Unit) -> int:
    return next((i for i, c in enumerate(collectors) if c.name == unit.collector), len(collectors))


def _scope(target: Target, shards: Sequence[Snapshot]) -> Scope:
    """As a local scan: the regions asked for, or the regions seen in the records."""
    if target.scope.regions or target.unreachable is not None:
        return target.scope
    seen = {r.region for shard in shards for r in shard.all_resources()}
    return replace(target.scope, regions=tuple(sorted(seen)))


def _unreachable(target: Target, collectors: Sequence[CollectorSpec]) -> Snapshot:
    """The errors a local scan records for an account it cannot open (no I/O here)."""
    assert target.unreachable is not None
    with Pool(1) as pool:
        return runner.collect([(target.unreachable, target.scope)], collectors, pool)


def _failure(future: Any) -> BaseException | None:
    if future.status == "finished":
        return None
    if future.status == "error":
        exc = future.exception()
        return exc if isinstance(exc, BaseException) else RuntimeError(str(exc))
    return RuntimeError(f"the task was {future.status}")  # cancelled: the scheduler lost it


def _failed(unit: Unit, collectors: Sequence[CollectorSpec], exc: BaseException) -> Snapshot:
    """A unit that kept failing: every record type it should have read is unread in
    its account (and region, for a per-region unit)."""
    from distributed import KilledWorker

    code = "WorkerLost" if isinstance(exc, KilledWorker) else "UnitFailed"
    wanted = [c for c in collectors if c.name == unit.collector] or list(collectors)  # an opening unit: all
    result = CollectResult()
    for resource_type in dict.fromkeys(t for c in wanted for t in c.produces):
        result.fail(
            CollectionError(
                provider=unit.provider,
                account=unit.account,
                region=unit.region,
                service=unit.collector or f"{unit.provider}.open",
                operation="collect" if unit.collector else "open",
                code=code,
                message=_safe(exc),
                resource_type=resource_type,
            )
        )
    return Snapshot(errors=result.errors)


def _safe(exc: BaseException) -> str:
    """The first line of a worker's error, shortened, with any secret value of this
    process's environment masked."""
    text = str(exc).strip()
    first = f"{exc.__class__.__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")
    for name in SECRET_VARIABLES:
        value = os.environ.get(name)
        if value:
            first = first.replace(value, "***")
    return first[:300]
