"""plan -> collect -> evaluate -> sorted findings.

The runner is the only place that knows the order of a scan. It never talks to a cloud
itself: collectors do, through the provider context they are given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from scanner.baseline import BaselineSummary, PriorReport
from scanner.baseline import mark as mark_baseline
from scanner.callstats import CollectorTiming
from scanner.collect.base import CollectorSpec, CollectResult, UnreachableScope
from scanner.collect.pool import Pool
from scanner.model import Finding, Status, make_finding
from scanner.mute import MuteFile, MuteSummary
from scanner.mute import apply as apply_mutes
from scanner.registry import Check
from scanner.snapshot import CollectionError, Scope, Snapshot


class PlanError(Exception):
    """The selected checks need data that no collector produces."""


@dataclass(frozen=True)
class ScanResult:
    snapshot: Snapshot
    findings: tuple[Finding, ...]
    checks: tuple[Check, ...]
    started_at: str
    finished_at: str
    mutes: MuteSummary | None = None  # set when a mute file was given
    baseline: BaselineSummary | None = None  # set when a baseline report was given

    @property
    def complete(self) -> bool:
        """True when every check could decide and nothing the selected checks read was
        left unread. A collector reads whole records, so an error on a record type that
        no selected check requires (say, the credential report when only S3 checks run)
        does not make the scan incomplete; it is still listed in the report."""
        return not self.relevant_errors and not any(f.status is Status.ERROR for f in self.findings)

    @property
    def relevant_errors(self) -> tuple[CollectionError, ...]:
        needed = {t for c in self.checks for t in c.spec.requires}
        return tuple(e for e in self.snapshot.errors if e.resource_type in needed)


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def plan(checks: Sequence[Check], collectors: Sequence[CollectorSpec]) -> tuple[CollectorSpec, ...]:
    """The collectors the selected checks need, and no others."""
    needed = {t for c in checks for t in c.spec.requires}
    chosen = [c for c in collectors if needed & set(c.produces)]
    produced = {t for c in chosen for t in c.produces}
    missing = sorted(needed - produced)
    if missing:
        users = sorted(c.spec.id for c in checks if set(c.spec.requires) & set(missing))
        raise PlanError(
            f"no collector produces {', '.join(missing)} (required by {', '.join(users)})"
        )
    return tuple(chosen)


def fields_needed(checks: Sequence[Check], keep: Iterable[str] = ()) -> dict[str, frozenset[str]]:
    """Per record type, the only fields the selected checks read (``CheckSpec.reads``),
    for the types every check requiring them narrows; ``keep`` fields are read anyway
    (tags, when a mute file selects by tag)."""
    narrowed: dict[str, set[str]] = {}
    whole: set[str] = set()
    for check in checks:
        named: dict[str, set[str]] = {}
        for entry in check.spec.reads:
            resource_type, _, name = entry.partition(":")
            named.setdefault(resource_type, set()).add(name)
        for resource_type in check.spec.requires:
            if resource_type in named:
                narrowed.setdefault(resource_type, set()).update(named[resource_type])
            else:
                whole.add(resource_type)
    return {t: frozenset({*names, *keep}) for t, names in narrowed.items() if t not in whole}


def collect(
    units: Sequence[tuple[Any, Scope]],
    collectors: Sequence[CollectorSpec],
    pool: Pool | None = None,
    on_done: Callable[[CollectorSpec, Scope], None] | None = None,
    wanted: Mapping[str, frozenset[str]] | None = None,
) -> Snapshot:
    """Run each collector once per unit: a provider context (one account or
    subscription) and the scope it covers. One snapshot holds them all.

    Every (unit, collector) pair runs at once, up to ``pool.max_workers`` pairs; their
    per-resource reads share the pool, and the pool bounds the requests in flight, so
    one slow collector or account never holds the others back. ``on_done`` is told
    of each pair as it finishes (progress). ``wanted`` (from ``fields_needed``) lets
    collectors skip reads no selected check needs."""
    started = time.monotonic()
    # the units' contexts share the scan's pool (its bound and its ledger)
    pool = pool or next((c.pool for c, _ in units if isinstance(getattr(c, "pool", None), Pool)), None) or Pool()
    jobs = [
        (index, context, scope, collector)
        for index, (context, scope) in enumerate(units)
        if not isinstance(context, UnreachableScope)
        for collector in collectors
    ]
    results: dict[tuple[int, str], CollectResult] = {}

    def run(index: int, context: Any, scope: Scope, collector: CollectorSpec) -> None:
        result = results[(index, collector.name)] = CollectResult(wanted=wanted or {})
        began = time.monotonic()
        try:
            collector.collect(context, result)
        except Exception as exc:  # a collector bug leaves its types unread, never "empty"
            for resource_type in collector.produces:
                result.fail(_collector_failed(scope, collector, resource_type, exc))
        elapsed = round(time.monotonic() - began, 3)
        pool.calls.timed(CollectorTiming(collector.name, scope.provider, scope.account, elapsed))
        if on_done is not None:
            on_done(collector, scope)

    if jobs:
        ex = ThreadPoolExecutor(max_workers=min(len(jobs), pool.max_workers), thread_name_prefix="skyscan-unit")
        try:
            for future in [ex.submit(run, *job) for job in jobs]:
                future.result()
        finally:
            # on an interrupt, do not wait for the collectors: closing the pool makes
            # their next request fail at once (pool.Cancelled)
            ex.shutdown(wait=False, cancel_futures=True)
    everything = CollectResult()
    scopes = []
    for index, (context, scope) in enumerate(units):
        if isinstance(context, UnreachableScope):
            _unreachable(context, scope, collectors, everything)
            scopes.append(scope)
            continue
        parts = [results[(index, c.name)] for c in collectors]
        for part in parts:
            everything.records.extend(part.records)
            everything.errors.extend(part.errors)
        if not scope.regions:  # "every region": record the ones actually seen
            scope = replace(scope, regions=tuple(sorted({r.region for p in parts for r in p.records})))
        scopes.append(scope)
    produced = [t for c in collectors for t in c.produces]
    stats = pool.calls.stats(time.monotonic() - started, pool.max_workers)
    return Snapshot(scopes, everything.records, everything.errors, created_at=now(), collected=produced, stats=stats)


def _collector_failed(scope: Scope, collector: CollectorSpec, resource_type: str, exc: Exception) -> CollectionError:
    return CollectionError(
        provider=scope.provider,
        account=scope.account,
        region="global",
        service=collector.name,
        operation="collect",
        code="CollectorFailed",
        message=f"{exc.__class__.__name__}: {str(exc)[:200]}",
        resource_type=resource_type,
    )


def _unreachable(
    failure: UnreachableScope, scope: Scope, collectors: Sequence[CollectorSpec], result: CollectResult
) -> None:
    """Nothing could be read in this scope: every type the collectors produce is unread there."""
    for resource_type in dict.fromkeys(t for c in collectors for t in c.produces):
        result.fail(
            CollectionError(
                provider=scope.provider,
                account=scope.account,
                region="global",
                service=failure.service,
                operation=failure.operation,
                code=failure.code,
                message=failure.message,
                resource_type=resource_type,
            )
        )


def evaluate(snapshot: Snapshot, checks: Sequence[Check]) -> tuple[Finding, ...]:
    """Run every check over the snapshot; sort the findings deterministically."""
    findings: list[Finding] = []
    for check in checks:
        missing = [t for t in check.spec.requires if t not in snapshot.collected]
        if missing:
            findings.extend(_whole_check_error(snapshot, check, f"the snapshot holds no {', '.join(missing)} data"))
            continue
        findings.extend(_scope_errors(snapshot, check))
        try:
            produced = list(check.evaluate(snapshot))
        except Exception as exc:  # a broken check must not stop the others; it reports ERROR
            reason = f"the check failed: {exc.__class__.__name__}"
            detail = f"{exc.__class__.__name__}: {str(exc)[:200]}"
            produced = list(_whole_check_error(snapshot, check, reason, exception=detail))
        findings.extend(produced)
    return tuple(sorted(findings, key=Finding.sort_key))


def scan(
    snapshot: Snapshot,
    checks: Sequence[Check],
    started_at: str | None = None,
    *,
    mutes: MuteFile | None = None,
    baseline: PriorReport | None = None,
    today: date | None = None,
) -> ScanResult:
    """Evaluate, then mute (``today``, UTC by default, decides expiry), then mark
    against the baseline: a muted finding is settled, so it is never counted as new."""
    started = started_at or now()
    findings = evaluate(snapshot, checks)
    mute_summary: MuteSummary | None = None
    baseline_summary: BaselineSummary | None = None
    if mutes is not None:
        findings, mute_summary = apply_mutes(mutes, findings, snapshot, today or datetime.now(UTC).date())
    if baseline is not None:
        findings, baseline_summary = mark_baseline(findings, baseline)
    findings = tuple(sorted(findings, key=Finding.sort_key))
    return ScanResult(snapshot, findings, tuple(checks), started, now(), mute_summary, baseline_summary)


def _scope_errors(snapshot: Snapshot, check: Check) -> Iterable[Finding]:
    # A listing that failed leaves no records, so the check alone would say nothing:
    # report ERROR for that scope instead of a silent pass.
    seen: set[tuple[str, str, str]] = set()
    for resource_type in check.spec.requires:
        for error in snapshot.scope_errors(resource_type):
            key = (error.account, error.region, resource_type)
            if key in seen:
                continue
            seen.add(key)
            yield make_finding(
                check.spec,
                status=Status.ERROR,
                account=error.account,
                region=error.region,
                resource_id=scope_resource_id(error),
                resource_type=resource_type,
                reason=f"{resource_type} could not be listed: {error.operation} {error.code}",
                details={"operation": error.operation, "code": error.code},
            )


def scope_resource_id(error: CollectionError) -> str:
    """A stable name for 'every resource of this type in this account and region'."""
    return f"{error.provider}:{error.account}:{error.region}:{error.resource_type}:*"


def _whole_check_error(snapshot: Snapshot, check: Check, reason: str, **details: str) -> Iterable[Finding]:
    """One ERROR per scope of the check's provider, when the check could not run at all."""
    scopes = [s for s in snapshot.scopes if s.provider == check.spec.provider] or [
        Scope(check.spec.provider, "unknown")
    ]
    for scope in scopes:
        yield make_finding(
            check.spec,
            status=Status.ERROR,
            account=scope.account,
            region="global",
            resource_id=f"{scope.provider}:{scope.account}:check:{check.spec.id}",
            resource_type="check",
            reason=reason,
            details=details,
        )
