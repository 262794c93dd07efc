"""Exit codes, the contract with CI pipelines. Precedence when several apply: 2, then 1,
then 3 (a usage error means nothing was scanned; findings at or above --fail-on are a
definite failure whatever else is missing; an incomplete scan otherwise)."""

from __future__ import annotations

from scanner.model import Severity, Status
from scanner.runner import ScanResult

OK = 0  # complete, and nothing at or above --fail-on (or no --fail-on given)
FINDINGS = 1  # at least one FAIL at or above --fail-on
USAGE = 2  # bad flag, unreadable or invalid input file, broken plugin, no credentials
INCOMPLETE = 3  # some data could not be collected or some check could not decide
INTERRUPTED = 130  # SIGINT/SIGTERM: no report was written

HELP = """exit codes:
  0  scan complete; nothing failed at or above --fail-on (always 0 without --fail-on)
  1  at least one finding failed at or above --fail-on
  2  usage or input error (bad flag, file, check id or plugin; no credentials)
  3  scan incomplete: some data could not be read or some checks gave ERROR
  130 interrupted
  When several apply: 2 wins over 1, and 1 over 3."""


def for_result(result: ScanResult, fail_on: Severity | None) -> int:
    if fail_on is not None and any(
        f.status is Status.FAIL and f.severity >= fail_on for f in result.findings
    ):
        return FINDINGS
    if not result.complete:
        return INCOMPLETE
    return OK
