"""SQL server keeps audit records more than 90 days."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.azure.sql.defaults import AUDIT_RETENTION_MIN_EXCLUSIVE
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_auditing_retention",
    title="SQL server audit retention is more than 90 days",
    severity=Severity.LOW,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.6"),),
    remediation="az sql server audit-policy update --name <server> --resource-group <group> --retention-days 0  "
                "(0: for ever) or more than 90",
    references=("https://learn.microsoft.com/azure/azure-sql/database/auditing-overview",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        auditing = server.auditing
        if auditing is None:
            yield SPEC.error(server, "the auditing policy could not be read")
            continue
        details: dict[str, Any] = {"state": auditing.state, "retention_days": auditing.retention_days,
                                      "minimum_days_exclusive": AUDIT_RETENTION_MIN_EXCLUSIVE}
        if (auditing.state or "").lower() != "enabled":
            yield SPEC.fail(server, "auditing is off: nothing is retained", **details)
        elif not auditing.retention_days:
            details.update(source="default", default="retentionDays unset or 0: audit records are kept for ever")
            yield SPEC.ok(server, "audit records are kept for ever", **details)
        elif auditing.retention_days > AUDIT_RETENTION_MIN_EXCLUSIVE:
            yield SPEC.ok(server, f"audit records are kept {auditing.retention_days} days", **details)
        else:
            yield SPEC.fail(server, f"audit records are kept only {auditing.retention_days} days", **details)
