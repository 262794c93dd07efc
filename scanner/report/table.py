"""The terminal report: failing findings ranked by severity, then a summary."""

from __future__ import annotations

from tabulate import tabulate

from scanner import coverage
from scanner.compliance import ControlStatus, FrameworkSummary, summarise
from scanner.model import Severity, Status
from scanner.report.json_report import summary
from scanner.report.options import RenderOptions
from scanner.report.text import printable
from scanner.runner import ScanResult

SHOWN = (Status.FAIL, Status.ERROR)
MAX_ERROR_ROWS = 50  # the table lists this many collection errors (and lossy coverage rows); the JSON all


def render(result: ScanResult, options: RenderOptions) -> str:
    shown = [f for f in result.findings if options.show_passed or f.status in SHOWN]
    lines: list[str] = []
    if shown:
        rows: list[tuple[str, ...]] = [
            (
                f.severity.value.upper(),
                f.status.value,
                f.check_id,
                printable(f.resource_id, 70, keep_end=True),
                printable(f.region, 30),
                printable(f.reason, 90),
            )
            for f in shown
        ]
        headers: tuple[str, ...] = ("Severity", "Status", "Check", "Resource", "Region", "Reason")
        if result.baseline is not None:  # with --baseline, say which failures are new
            rows = [(*row, f.baseline or "") for row, f in zip(rows, shown, strict=True)]
            headers = (*headers, "Baseline")
        lines.append(tabulate(rows, headers=headers))
    else:
        lines.append("No failed findings.")
    counts = summary(result)
    rows_sum = [
        (s.value.upper(), *(counts["by_severity"][s.value][st.value] for st in Status)) for s in Severity
    ]
    rows_sum.append(("TOTAL", *(counts["by_status"][st.value] for st in Status)))
    lines += ["", tabulate(rows_sum, headers=("Severity", *(st.value for st in Status)))]
    hidden = len(result.findings) - len(shown)
    resources = sum(1 for _ in result.snapshot.all_resources())
    lines += [
        "",
        f"{len(result.checks)} checks over {resources} resources; "
        f"{len(result.findings)} findings ({hidden} passed or muted not shown)",
    ]
    lines += gating_lines(result)
    for catalogue in options.frameworks:
        lines += framework_lines(summarise(result, catalogue))
    errors = result.snapshot.errors
    lines += coverage_lines(result)
    if not result.complete:
        n_error = counts["by_status"][Status.ERROR.value]
        lines.append(
            f"SCAN INCOMPLETE: {len(result.relevant_errors)} collection errors, "
            f"{n_error} findings could not be decided."
        )
    if errors:
        rows_err = [
            (printable(e.service, 30), printable(e.operation, 40), printable(e.code, 40),
             printable(e.resource_id or f"(all {e.resource_type})", 60), printable(e.region, 30),
             printable(e.message, 60))
            for e in errors[:MAX_ERROR_ROWS]
        ]
        lines += ["", tabulate(rows_err, headers=("Service", "Operation", "Code", "Resource", "Region", "Message"))]
        if len(errors) > MAX_ERROR_ROWS:
            lines.append(f"... and {len(errors) - MAX_ERROR_ROWS} more collection errors (all are in the JSON report)")
    return "\n".join(lines) + "\n"


def coverage_lines(result: ScanResult) -> list[str]:
    """The coverage figure, and the accounts, regions and services where reads were lost."""
    cover = coverage.measure(result.snapshot)
    stats = result.snapshot.stats
    calls = f"{stats.total('calls')} API calls, {stats.total('retries')} retries, " \
        f"{stats.total('throttled')} throttled answers; " if stats is not None else ""
    lines = [
        f"Coverage: {cover.percent:g}% of reads answered ({calls}lost: {cover.total('denied')} denied, "
        f"{cover.total('throttled')} throttled, {cover.total('failed')} failed)."
    ]
    lossy = [r for r in cover.rows if r.lost]
    if lossy:
        rows = [(r.provider, printable(r.account, 40), printable(r.region, 30), printable(r.service, 30), r.read,
                 r.denied, r.throttled, r.failed) for r in lossy[:MAX_ERROR_ROWS]]
        lines += ["", tabulate(rows, headers=("Provider", "Account", "Region", "Service", "Read", "Denied",
                                              "Throttled", "Failed"))]
    return lines


def gating_lines(result: ScanResult) -> list[str]:
    """One line for the mute file, one per expired or stale entry, one for the baseline."""
    lines: list[str] = []
    mutes = result.mutes
    if mutes is not None:
        name = printable(mutes.file)
        lines.append(f"Mute file {name}: {mutes.applied} findings muted.")
        lines += [
            f"Expired mute entry mutes[{r.index}] ({name} line {r.line}, expired {r.expires}) "
            f"muted nothing: {printable(r.reason, 80)}"
            for r in mutes.expired
        ]
        lines += [
            f"Stale mute entry mutes[{r.index}] ({name} line {r.line}) matched no failing finding: "
            f"{printable(r.reason, 80)}"
            for r in mutes.stale
        ]
    if result.baseline is not None:
        b = result.baseline
        lines.append(f"Baseline {printable(b.file)}: {b.new} new, {b.existing} existing failing or ERROR findings.")
    return lines


def framework_lines(framework: FrameworkSummary) -> list[str]:
    """Per-control verdicts of the controls this scan could speak for, then the counts."""
    cat = framework.catalogue
    rows = [
        (c.control.id, c.status.value, printable(c.control.title, 70), ", ".join(c.checks))
        for c in framework.controls
        if c.status is not ControlStatus.NOT_EVALUATED
    ]
    counts = ", ".join(f"{n} {status.value}" for status, n in framework.counts.items())
    lines = ["", f"{cat.framework} {cat.version}: {counts}"]
    if rows:
        lines.append(tabulate(rows, headers=("Control", "Status", "Title", "Checks"), disable_numparse=True))
    return lines
