"""Exit codes, the contract with CI pipelines. Precedence when several apply: 2, then 1,
then 3 (a usage error means nothing was scanned; findings at or above --fail-on are a
definite failure whatever else is missing; an incomplete scan otherwise)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scanner.model import Severity, Status

if TYPE_CHECKING:  # the CLI reads HELP before parsing: keep the engine out of that path
    from scanner.diff import Diff
    from scanner.runner import ScanResult

OK = 0  # complete, and nothing at or above --fail-on (or no --fail-on given)
FINDINGS = 1  # at least one FAIL at or above --fail-on (only new ones with --new-only; diff: new ones)
USAGE = 2  # bad flag, unreadable or invalid input file, broken plugin, no credentials
INCOMPLETE = 3  # some data could not be collected or some check could not decide
INTERRUPTED = 130  # SIGINT/SIGTERM: no report was written

HELP = """exit codes:
  0  scan complete; nothing failed at or above --fail-on (always 0 without --fail-on)
  1  at least one finding failed at or above --fail-on (with --new-only: a new one;
     skyscan diff: a new finding at or above --fail-on)
  2  usage or input error (bad flag, file, check id or plugin; no credentials)
  3  scan incomplete: data a selected check reads could not be read, or a check gave ERROR
     (with --min-coverage P: less than P% of the reads were answered, or a check
     could not run at all)
  130 interrupted
  When several apply: 2 wins over 1, and 1 over 3."""


def for_result(
    result: ScanResult, fail_on: Severity | None, new_only: bool = False, min_coverage: float | None = None
) -> int:
    """``new_only`` counts only findings the baseline did not know (Finding.baseline).
    ``min_coverage`` tolerates lost reads (and the ERROR findings they cause) while the
    share of reads answered stays at or above it; a check that could not run at all
    (it crashed, or the snapshot lacks its data) is never tolerated."""
    if fail_on is not None and any(
        f.status is Status.FAIL and f.severity >= fail_on and (not new_only or f.baseline == "new")
        for f in result.findings
    ):
        return FINDINGS
    if min_coverage is None:
        return OK if result.complete else INCOMPLETE
    from scanner import coverage
    check_broken = any(f.status is Status.ERROR and f.resource_type == "check" for f in result.findings)
    if check_broken or coverage.measure(result.snapshot).percent < min_coverage:
        return INCOMPLETE
    return OK


def for_diff(diff: Diff, fail_on: Severity | None) -> int:
    """``skyscan diff``: 1 when a new finding is at or above --fail-on, else 0."""
    if fail_on is not None and any(c.severity >= fail_on for c in diff.new_findings):
        return FINDINGS
    return OK
