"""The JSON report: the machine-readable record of one scan (schema: report.schema.json)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import Enum
from typing import Any, TextIO

from scanner import __version__, coverage
from scanner.callstats import CallStats
from scanner.compliance import Catalogue, summarise
from scanner.model import Finding, Severity, Status
from scanner.report.options import RenderOptions
from scanner.runner import ScanResult

SCHEMA_VERSION = "1.0"


def summary(result: ScanResult) -> dict[str, Any]:
    by_severity = {s.value: {st.value: 0 for st in Status} for s in Severity}
    by_status = {st.value: 0 for st in Status}
    for finding in result.findings:
        by_severity[finding.severity.value][finding.status.value] += 1
        by_status[finding.status.value] += 1
    return {"by_severity": by_severity, "by_status": by_status}


def finding_doc(finding: Finding) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "check_id": finding.check_id,
        "title": finding.title,
        "status": finding.status.value,
        "severity": finding.severity.value,
        "provider": finding.provider,
        "account": finding.account,
        "region": finding.region,
        "resource_id": finding.resource_id,
        "resource_type": finding.resource_type,
        "reason": finding.reason,
        "details": finding.details,
        "remediation": finding.remediation,
        "compliance": [
            {"framework": c.framework, "version": c.version, "control": c.control}
            for c in finding.compliance
        ],
        "fingerprint": finding.fingerprint,
    }
    if finding.mute_reason is not None:
        doc["mute_reason"] = finding.mute_reason
    if finding.baseline is not None:
        doc["baseline"] = finding.baseline
    return doc


def gating(result: ScanResult) -> dict[str, Any]:
    """The "mutes" and "baseline" sections, present only when those files were given."""
    doc: dict[str, Any] = {}
    if result.mutes is not None:
        doc["mutes"] = {
            "file": result.mutes.file,
            "applied": result.mutes.applied,
            "expired": [
                {"index": r.index, "line": r.line, "reason": r.reason,
                 "expires": r.expires.isoformat() if r.expires else None}
                for r in result.mutes.expired
            ],
            "stale": [{"index": r.index, "line": r.line, "reason": r.reason} for r in result.mutes.stale],
        }
    if result.baseline is not None:
        doc["baseline"] = {
            "file": result.baseline.file,
            "new": result.baseline.new,
            "existing": result.baseline.existing,
        }
    return doc


def document(result: ScanResult, frameworks: Sequence[Catalogue] = (), *, findings: bool = True) -> dict[str, Any]:
    """The report as one object; ``findings=False`` leaves their list empty (``dump``
    writes them one by one)."""
    snap = result.snapshot
    controls = {"compliance": [summarise(result, c).as_dict() for c in frameworks]} if frameworks else {}
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "skyscan", "version": __version__},
        "scan": {
            "started_at": result.started_at,
            "finished_at": result.finished_at,
            "providers": sorted({s.provider for s in snap.scopes} | {c.spec.provider for c in result.checks}),
            "scopes": [
                {"provider": s.provider, "account": s.account, "regions": list(s.regions)}
                for s in snap.scopes
            ],
            "checks": sorted(c.spec.id for c in result.checks),
            "complete": result.complete,
            **({"stats": stats_doc(snap.stats)} if snap.stats is not None else {}),
        },
        "coverage": coverage_doc(coverage.measure(snap)),
        "summary": summary(result),
        "findings": [finding_doc(f) for f in result.findings] if findings else [],
        "errors": [
            {
                "provider": e.provider,
                "account": e.account,
                "region": e.region,
                "service": e.service,
                "operation": e.operation,
                "code": e.code,
                "message": e.message,
                "resource_type": e.resource_type,
                "resource_id": e.resource_id,
            }
            for e in snap.errors
        ],
        **gating(result),
        **controls,
    }


def stats_doc(stats: CallStats) -> dict[str, Any]:
    """``scan.stats``: the collection's own call accounting."""
    by_service: dict[str, dict[str, int]] = {}
    for op in stats.operations:
        slot = by_service.setdefault(f"{op.provider}.{op.service}", {"calls": 0, "retries": 0, "throttled": 0})
        for name in slot:
            slot[name] += getattr(op, name)
    return {
        "wall_seconds": stats.wall_seconds,
        "max_workers": stats.max_workers,
        "calls": stats.total("calls"),
        "retries": stats.total("retries"),
        "throttled": stats.total("throttled"),
        "by_service": by_service,
        "operations": [
            {"provider": op.provider, "account": op.account, "region": op.region, "service": op.service,
             "operation": op.operation, "calls": op.calls, "retries": op.retries, "throttled": op.throttled,
             "failed": op.failed}
            for op in stats.operations
        ],
        "collectors": [
            {"collector": t.collector, "provider": t.provider, "account": t.account, "seconds": t.seconds}
            for t in stats.collectors
        ],
    }


def coverage_doc(cover: coverage.Coverage) -> dict[str, Any]:
    return {
        "percent": cover.percent,
        "read": cover.read,
        **{kind: cover.total(kind) for kind in coverage.KINDS},
        "rows": [
            {"provider": r.provider, "account": r.account, "region": r.region, "service": r.service,
             "calls": r.calls, "read": r.read, "denied": r.denied, "throttled": r.throttled, "failed": r.failed}
            for r in cover.rows
        ],
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def render(result: ScanResult, options: RenderOptions) -> str:
    return json.dumps(document(result, options.frameworks), indent=2, default=_jsonable) + "\n"


FINDINGS_KEY = '\n  "findings": []'  # top level (indent 2); string values never hold a raw newline


def dump(result: ScanResult, options: RenderOptions, handle: TextIO) -> None:
    """``render``'s text, written to ``handle`` one finding at a time, so a scan of
    hundreds of thousands of findings never holds their JSON objects all at once."""
    text = json.dumps(document(result, options.frameworks, findings=False), indent=2, default=_jsonable)
    head, _, tail = text.partition(FINDINGS_KEY)
    handle.write(head + '\n  "findings": [')
    for index, finding in enumerate(result.findings):
        item = json.dumps(finding_doc(finding), indent=2, default=_jsonable).replace("\n", "\n    ")
        handle.write(("," if index else "") + "\n    " + item)
    handle.write(("\n  ]" if result.findings else "]") + tail + "\n")
