"""``skyscan scan --plan``: what a scan would read, and roughly how many calls it would
make, worked out from the selected checks and the flags alone (no cloud call).

The collectors come from the runner's planner; their operations and how often each is
made come from their ``Call`` declarations. Accounts and regions the flags do not name
(an organisation's members, an account's enabled regions) are only known at scan time,
so the estimate is given per account, with the regions the flags name or the most the
partition offers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tabulate import tabulate

from scanner.collect.base import ACCOUNT, REGION, Call, CollectorSpec


@dataclass(frozen=True)
class PlanScope:
    accounts: int | None  # None: only known at scan time
    accounts_text: str
    regions: int  # regions each account is read in (an upper bound when not given)
    regions_text: str
    context_calls: tuple[Call, ...] = ()  # made once per account by the context, not a collector
    global_service: bool = False  # one endpoint for every region (Azure Resource Manager)


@dataclass(frozen=True)
class Estimate:
    per_account: int  # calls made whatever the account holds
    per_record: Mapping[str, tuple[int, int]]  # record type -> (calls always made, conditional calls)
    paged: int  # listings that may take more than one call


def is_made(call: Call, wanted: Mapping[str, frozenset[str]]) -> bool:
    """Whether a call is made when only ``wanted`` fields are read (``fields_needed``)."""
    only = wanted.get(call.per)
    return not call.fills or only is None or bool(only & set(call.fills))


def estimate(
    collectors: Iterable[CollectorSpec], scope: PlanScope, wanted: Mapping[str, frozenset[str]] | None = None
) -> Estimate:
    fixed, paged = 0, 0
    per_record: dict[str, tuple[int, int]] = {}
    regions = 1 if scope.global_service else scope.regions
    calls = [*scope.context_calls, *(c for spec in collectors for c in spec.calls if is_made(c, wanted or {}))]
    for call in calls:
        paged += int(call.pages)
        if call.per in (ACCOUNT, REGION):
            fixed += 0 if call.conditional else (regions if call.per == REGION else 1)
        else:
            always, maybe = per_record.get(call.per, (0, 0))
            per_record[call.per] = (always, maybe + 1) if call.conditional else (always + 1, maybe)
    return Estimate(fixed, dict(sorted(per_record.items())), paged)


def render(
    checks: Sequence[str], collectors: Sequence[CollectorSpec], scope: PlanScope, max_workers: int,
    service_limits: Mapping[str, int], wanted: Mapping[str, frozenset[str]] | None = None,
) -> str:
    rows = [
        (spec.name, call.service, call.operation, _per(call), "yes" if call.pages else "",
         "only some" if call.conditional else "")
        for spec in collectors for call in spec.calls if is_made(call, wanted or {})
    ]
    undeclared = [spec.name for spec in collectors if not spec.calls]
    est = estimate(collectors, scope, wanted)
    lines = [
        f"Plan: {_count(len(checks), 'check')} read what {_count(len(collectors), 'collector')} collect "
        f"({', '.join(c.name for c in collectors)}).",
        f"Accounts: {scope.accounts_text}.",
        f"Regions: {scope.regions_text}.",
        "",
        tabulate(rows, headers=("Collector", "Service", "Operation", "Per", "Paged", "Conditional")),
        "",
    ]
    if scope.context_calls:
        made = ", ".join(f"{c.service}:{c.operation}" for c in scope.context_calls)
        lines.append(f"Made by the scan itself in each account: {made}.")
    per_record = "; ".join(
        f"{always} per {name}" + (f" (+{maybe} for some)" if maybe else "")
        for name, (always, maybe) in est.per_record.items()
    )
    accounts = scope.accounts if scope.accounts is not None else 1
    lines.append(
        f"Estimated API calls: {est.per_account} per account"
        + (f" x {scope.accounts} accounts = {est.per_account * accounts}" if scope.accounts not in (None, 1) else "")
        + (", plus " + per_record if per_record else "")
        + (f"; {_count(est.paged, 'listing')} may take one more call per page of results" if est.paged else "")
        + "."
    )
    if undeclared:
        lines.append(f"Not estimated (the collector declares no calls): {', '.join(undeclared)}.")
    used = {call.service.lower() for spec in collectors for call in spec.calls}
    limits = ", ".join(f"{service} {limit}" for service, limit in sorted(service_limits.items()) if service in used)
    lines.append(
        f"Concurrency: at most {max_workers} requests in flight"
        + (f"; per account and service at most: {limits}" if limits else "")
        + "."
    )
    lines.append("Nothing was called: this is a plan.")
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _per(call: Call) -> str:
    return call.per if call.per in (ACCOUNT, REGION) else f"each {call.per}"
