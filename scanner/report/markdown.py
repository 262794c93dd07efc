"""Markdown sized for a pull-request comment or a CI job summary.

A verdict line, a warning when the scan is incomplete, counts by severity and status,
then the findings needing attention (FAIL and ERROR, in the runner's order), capped so
the document stays well under GitHub's 65,536-character comment limit.

Cells hold cloud-supplied text (names, tags, reasons quoting them), so every cell is
escaped: a name must not be able to end the table, start a link, autolink a URL or
inject HTML. Resource ids go in code spans, where GitHub also links no @mention or #ref.
"""

from __future__ import annotations

import re

from scanner.model import Finding, Severity, Status
from scanner.report.fields import clean
from scanner.report.options import RenderOptions
from scanner.report.text import printable
from scanner.runner import ScanResult

MAX_ROWS = 50
MAX_CHARS = 60_000
RESOURCE_LIMIT = 200  # characters of a resource id shown, before escaping
REASON_LIMIT = 300
ATTENTION = (Status.FAIL, Status.ERROR)
STATUS_COLUMNS = (Status.FAIL, Status.ERROR, Status.MUTED, Status.PASS)

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Inline Markdown syntax (emphasis, code, links, images, strikethrough, math, the table's
# pipe) and the characters GFM autolinks hinge on (":" of a scheme, "." of www., "@").
# A backslash makes each literal; the cell is inline-only, so "-", "+" need nothing.
_MARKUP = re.compile(r"""([\\`*_\[\]|!~:.@$#])""")


def cell(text: str, limit: int | None = None) -> str:
    """Text that renders literally inside one GFM table cell."""
    safe = printable(clean(text), limit)  # newlines and control characters become visible escapes
    safe = _MARKUP.sub(r"\\\1", safe)
    return "".join(_HTML.get(c, c) for c in safe)


def code_cell(text: str, limit: int | None = None) -> str:
    """An identifier as a code span: no markup, HTML, autolink or mention inside. Only the
    table's pipe needs escaping there (GFM unescapes it), and the fence is longer than
    any backtick run in the text."""
    safe = printable(clean(text), limit).replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(safe) + 1)
    return f"{fence} {safe} {fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def verdict(result: ScanResult) -> str:
    failing = {s: 0 for s in Severity}
    for finding in result.findings:
        if finding.status is Status.FAIL:
            failing[finding.severity] += 1
    parts = [f"{n} {s.value}" for s, n in failing.items() if n]
    return f"skyscan: {', '.join(parts)} failing" if parts else "skyscan: no failing findings"


def render(result: ScanResult, options: RenderOptions) -> str:
    lines = [f"## {verdict(result)}", ""]
    errors = [f for f in result.findings if f.status is Status.ERROR]
    if not result.complete:
        lines += [
            "> [!WARNING]",
            f"> **INCOMPLETE scan:** {len(result.relevant_errors)} collection errors, "
            f"{len(errors)} findings could not be decided (ERROR). Failures may be missing from this report.",
            "",
        ]
    resources = sum(1 for _ in result.snapshot.all_resources())
    lines += [f"{len(result.checks)} checks over {resources} resources, {len(result.findings)} findings.", ""]
    lines += _counts_table(result)
    attention = [f for f in result.findings if f.status in ATTENTION]
    if attention:
        lines += ["", "### Findings needing attention", ""]
        lines += _findings_table(attention, budget=MAX_CHARS - len("\n".join(lines)))
    return "\n".join(lines) + "\n"


def _counts_table(result: ScanResult) -> list[str]:
    counts = {(s, st): 0 for s in Severity for st in Status}
    for finding in result.findings:
        counts[finding.severity, finding.status] += 1
    lines = [
        "| Severity | " + " | ".join(st.value for st in STATUS_COLUMNS) + " |",
        "| --- |" + " ---: |" * len(STATUS_COLUMNS),
    ]
    for severity in Severity:
        values = " | ".join(str(counts[severity, st]) for st in STATUS_COLUMNS)
        lines.append(f"| {severity.value} | {values} |")
    totals = " | ".join(f"**{sum(counts[s, st] for s in Severity)}**" for st in STATUS_COLUMNS)
    lines.append(f"| **total** | {totals} |")
    return lines


def _row(finding: Finding) -> str:
    status = finding.status.value + (" **new**" if finding.baseline == "new" else "")
    return (
        f"| {finding.severity.value} | {status} | {code_cell(finding.check_id)} "
        f"| {code_cell(finding.resource_id, RESOURCE_LIMIT)} | {cell(finding.region)} "
        f"| {cell(finding.reason, REASON_LIMIT)} |"
    )


def _findings_table(findings: list[Finding], budget: int) -> list[str]:
    lines = ["| Severity | Status | Check | Resource | Region | Reason |", "| --- | --- | --- | --- | --- | --- |"]
    used = sum(len(line) + 1 for line in lines) + 80  # room for the "and N more" line
    shown = 0
    for finding in findings[:MAX_ROWS]:
        line = _row(finding)
        if used + len(line) + 1 > budget:
            break
        lines.append(line)
        used += len(line) + 1
        shown += 1
    if shown < len(findings):
        lines += ["", f"_… and {len(findings) - shown} more (see the full report)._"]
    return lines
