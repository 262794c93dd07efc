"""What changed between two JSON reports (``skyscan diff OLD NEW``), by fingerprint.

Pure functions over parsed reports (``scanner.baseline.read_report``). A finding is
*failing* when its status is FAIL or MUTED (a muted finding is a failure someone
accepted, as for baselines). Each fingerprint failing in either report lands in one
class:

- new: FAIL now; before it passed, gave ERROR, or was not in the report
- resolved: failing before, PASS now
- gone: failing before, absent now (resource deleted, or not scanned this time)
- undecided: failing before, ERROR now (could not be evaluated: not a fix)
- still failing: failing in both; *severity changed* lists those whose severity moved

A fingerprint that is MUTED now and was not failing before counts nowhere: it was
accepted on arrival.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from scanner.baseline import PriorFinding, PriorReport
from scanner.model import Severity, Status
from scanner.report.text import printable

SCHEMA_VERSION = "1.0"
FAILING = (Status.FAIL, Status.MUTED)


@dataclass(frozen=True)
class Change:
    """One fingerprint in the old report, the new one, or both."""

    before: PriorFinding | None
    after: PriorFinding | None

    @property
    def current(self) -> PriorFinding:
        """The latest known state: the new finding, or the old one when it is gone."""
        if self.after is not None:
            return self.after
        if self.before is None:
            raise ValueError("a Change needs a finding on at least one side")
        return self.before

    @property
    def severity(self) -> Severity:
        return self.current.severity or Severity.INFO  # diff reads reports with full=True: always set

    def sort_key(self) -> tuple[int, str, str, str]:
        f = self.current
        return (-self.severity.rank, f.check_id, f.resource_id, f.fingerprint)


@dataclass(frozen=True)
class Diff:
    old: PriorReport
    new: PriorReport
    new_findings: tuple[Change, ...]
    resolved: tuple[Change, ...]
    gone: tuple[Change, ...]
    undecided: tuple[Change, ...]
    still_failing: tuple[Change, ...]
    severity_changed: tuple[Change, ...]


def compare(old: PriorReport, new: PriorReport) -> Diff:
    before, after = old.by_fingerprint(), new.by_fingerprint()
    classes: dict[str, list[Change]] = {
        name: [] for name in ("new", "resolved", "gone", "undecided", "still", "severity")
    }
    for fingerprint in before.keys() | after.keys():
        b, a = before.get(fingerprint), after.get(fingerprint)
        change = Change(b, a)
        was_failing = b is not None and b.status in FAILING
        if not was_failing:
            if a is not None and a.status is Status.FAIL:
                classes["new"].append(change)
        elif a is None:
            classes["gone"].append(change)
        elif a.status is Status.PASS:
            classes["resolved"].append(change)
        elif a.status is Status.ERROR:
            classes["undecided"].append(change)
        else:
            classes["still"].append(change)
            if b is not None and b.severity != a.severity:
                classes["severity"].append(change)
    ordered = {name: tuple(sorted(items, key=Change.sort_key)) for name, items in classes.items()}
    return Diff(old, new, ordered["new"], ordered["resolved"], ordered["gone"], ordered["undecided"],
                ordered["still"], ordered["severity"])


# JSON ------------------------------------------------------------------------------


def _entry(change: Change) -> dict[str, Any]:
    f = change.current
    return {
        "fingerprint": f.fingerprint,
        "check_id": f.check_id,
        "title": f.title,
        "severity": change.severity.value,
        "account": f.account,
        "region": f.region,
        "resource_id": f.resource_id,
        "reason": f.reason,
        "old_status": change.before.status.value if change.before else None,
        "new_status": change.after.status.value if change.after else None,
    }


def _severity_entry(change: Change) -> dict[str, Any]:
    old = change.before.severity if change.before else None
    return {**_entry(change), "old_severity": old.value if old else None, "new_severity": change.severity.value}


def document(diff: Diff) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "old": {"file": diff.old.file, "finished_at": diff.old.finished_at},
        "new": {"file": diff.new.file, "finished_at": diff.new.finished_at},
        "new_findings": [_entry(c) for c in diff.new_findings],
        "resolved": [_entry(c) for c in diff.resolved],
        "gone": [_entry(c) for c in diff.gone],
        "undecided": [_entry(c) for c in diff.undecided],
        "still_failing": len(diff.still_failing),
        "severity_changed": [_severity_entry(c) for c in diff.severity_changed],
    }


def render_json(diff: Diff) -> str:
    return json.dumps(document(diff), indent=2, ensure_ascii=False) + "\n"


# table and Markdown ------------------------------------------------------------------

_HEADERS = ("Severity", "Check", "Resource", "Region", "Was", "Now", "Reason")


def _sections(diff: Diff) -> list[tuple[str, tuple[Change, ...]]]:
    return [
        ("New findings", diff.new_findings),
        ("Resolved", diff.resolved),
        ("Gone (resource deleted or not scanned)", diff.gone),
        ("Undecided (ERROR now)", diff.undecided),
        ("Severity changed", diff.severity_changed),
    ]


def _row(change: Change, cell: Callable[[str, int], str]) -> tuple[str, ...]:
    f = change.current
    severity = change.severity.value.upper()
    if change.before and change.before.severity and change.before.severity != change.severity:
        severity = f"{change.before.severity.value.upper()} -> {severity}"
    return (
        severity,
        cell(f.check_id, 60),
        cell(f.resource_id, 70),
        cell(f.region, 20),
        change.before.status.value if change.before else "-",
        change.after.status.value if change.after else "-",
        cell(f.reason, 80),
    )


def summary_line(diff: Diff) -> str:
    return (
        f"{len(diff.new_findings)} new, {len(diff.resolved)} resolved, {len(diff.gone)} gone, "
        f"{len(diff.undecided)} undecided, {len(diff.still_failing)} still failing, "
        f"{len(diff.severity_changed)} severity changed"
    )


def render_table(diff: Diff) -> str:
    lines = [
        f"old: {printable(diff.old.file)} (finished {printable(diff.old.finished_at) or 'unknown'})",
        f"new: {printable(diff.new.file)} (finished {printable(diff.new.finished_at) or 'unknown'})",
        summary_line(diff),
    ]
    for title, changes in _sections(diff):
        if changes:
            lines += ["", f"{title} ({len(changes)})", tabulate([_row(c, printable) for c in changes], _HEADERS)]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")


def markdown_cell(text: str, limit: int | None = None) -> str:
    """Cloud text made inert in a Markdown table: no pipes ending the cell, no
    emphasis, links, code spans or raw HTML."""
    safe = printable(text, limit).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", safe)


def _markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def render_markdown(diff: Diff) -> str:
    lines = [
        "## skyscan diff",
        "",
        f"Old: {markdown_cell(diff.old.file)} (finished {markdown_cell(diff.old.finished_at) or 'unknown'})  ",
        f"New: {markdown_cell(diff.new.file)} (finished {markdown_cell(diff.new.finished_at) or 'unknown'})",
        "",
        *_markdown_table(
            ("New", "Resolved", "Gone", "Undecided", "Still failing", "Severity changed"),
            [[str(len(x)) for x in (diff.new_findings, diff.resolved, diff.gone, diff.undecided,
                                    diff.still_failing, diff.severity_changed)]],
        ),
    ]
    for title, changes in _sections(diff):
        if changes:
            lines += ["", f"### {title} ({len(changes)})", ""]
            lines += _markdown_table(_HEADERS, [_row(c, markdown_cell) for c in changes])
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Diff], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
