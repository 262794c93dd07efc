"""The IAM credential report: ask IAM to build it, wait for it (bounded), read its root row.

GenerateCredentialReport changes no configuration: it only asks IAM to (re)build the
report that GetCredentialReport returns (IAM reuses a report younger than four hours).
The context's read-only guard allows it by name (``context.READ_ALSO``). When generation
is refused but a report already exists, that report is still used.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import botocore.exceptions

from scanner.collect.aws.context import error_code
from scanner.resources.aws_iam import RootActivity, RootKeyUsage

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
ROOT_ROW = "<root_account>"
IN_PROGRESS = "ReportInProgress"
# How long to wait for IAM to finish a report, and how often to ask; read at call time
# so a test can shorten them.
WAIT_SECONDS = 60.0
POLL_SECONDS = 2.0
# Credential report cells that mean "no date": no such credential, never used, or
# not tracked (AWS began recording password use in October 2014).
NO_DATE = frozenset({"", "N/A", "no_information", "not_supported"})


class NoRootRow(Exception):
    """The report was read but has no ``<root_account>`` row (emulators omit it)."""


class ReportUnavailable(Exception):
    """No report could be read; ``cause`` is the SDK error of the last attempt and
    ``operation`` the call that raised it."""

    def __init__(self, cause: Exception, operation: str) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.operation = operation


@dataclass(frozen=True)
class CredentialReport:
    generated_at: str | None
    rows: tuple[dict[str, str], ...]


def fetch(
    client: IAMClient,
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CredentialReport:
    """Generate (when allowed) and read the report; ReportUnavailable when impossible."""
    generation_error: Exception | None = None
    try:
        client.generate_credential_report()
    except SDK_ERRORS as exc:  # e.g. not permitted: an existing report may still be readable
        generation_error = exc
    deadline = clock() + WAIT_SECONDS
    while True:
        try:
            answer = client.get_credential_report()
        except SDK_ERRORS as exc:
            if error_code(exc) == IN_PROGRESS and clock() < deadline:
                sleep(POLL_SECONDS)
                continue
            if generation_error is not None and error_code(exc) != IN_PROGRESS:
                # nothing to read because nothing could be generated: name the cause
                raise ReportUnavailable(generation_error, "GenerateCredentialReport") from None
            raise ReportUnavailable(exc, "GetCredentialReport") from None
        break
    generated = answer.get("GeneratedTime")
    text = answer.get("Content", b"").decode("utf-8", errors="replace")
    rows = tuple(dict(row) for row in csv.DictReader(io.StringIO(text)))
    return CredentialReport(generated_at=generated.isoformat() if generated is not None else None, rows=rows)


def root_activity(report: CredentialReport) -> RootActivity:
    """The root user's row as a record; NoRootRow when the report has none."""
    row = next((r for r in report.rows if r.get("user") == ROOT_ROW), None)
    if row is None:
        raise NoRootRow(f"the credential report has no {ROOT_ROW} row")
    keys = []
    for slot in (1, 2):
        keys.append(
            RootKeyUsage(
                slot=slot,
                active=_flag(row.get(f"access_key_{slot}_active")),
                last_rotated=_date(row.get(f"access_key_{slot}_last_rotated")),
                last_used=_date(row.get(f"access_key_{slot}_last_used_date")),
            )
        )
    return RootActivity(
        report_generated_at=report.generated_at,
        password_last_used=_date(row.get("password_last_used")),
        mfa_active=_flag(row.get("mfa_active")),
        access_keys=tuple(keys),
    )


def _flag(cell: str | None) -> bool:
    return (cell or "").strip().lower() == "true"


def _date(cell: str | None) -> str | None:
    value = (cell or "").strip()
    return None if value in NO_DATE else value
