"""SQL server audits database events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_auditing_enabled",
    title="SQL server auditing is on",
    severity=Severity.MEDIUM,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.1"),),
    remediation="az sql server audit-policy update --name <server> --resource-group <group> --state Enabled "
                "--lats Enabled --lawri <workspace id>",
    references=("https://learn.microsoft.com/azure/azure-sql/database/auditing-overview",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.auditing is None:
            yield SPEC.error(server, "the auditing policy could not be read")
            continue
        state = server.auditing.state or "Disabled"
        details: dict[str, Any] = {"state": state, "azure_monitor_target": server.auditing.azure_monitor_target_enabled,
                   "storage_endpoint": server.auditing.storage_endpoint}
        if state.lower() == "enabled":
            yield SPEC.ok(server, "auditing is on", **details)
        else:
            yield SPEC.fail(server, "auditing is off", **details)
