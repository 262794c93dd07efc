"""SQL server disables public network access."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.sql.defaults import public_network_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_public_network_access",
    title="SQL server disables public network access",
    severity=Severity.LOW,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.7"),),
    remediation="az sql server update --name <server> --resource-group <group> --enable-public-network false",
    references=("https://learn.microsoft.com/azure/azure-sql/database/connectivity-settings#deny-public-network-access",),
)
CLOSED = frozenset({"disabled", "securedbyperimeter"})


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.properties is None:
            yield SPEC.error(server, "server properties could not be read")
            continue
        setting = public_network_access(server.properties)
        details = setting.details("public_network_access")
        if setting.value.lower() in CLOSED:
            yield SPEC.ok(server, f"public network access is {setting.value}", **details)
        else:
            yield SPEC.fail(server, f"public network access is {setting.value}", **details)
