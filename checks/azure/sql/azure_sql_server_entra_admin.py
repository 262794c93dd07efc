"""SQL server has a Microsoft Entra administrator."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_entra_admin",
    title="SQL server has a Microsoft Entra administrator",
    severity=Severity.MEDIUM,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.4"),),
    remediation="az sql server ad-admin create --server <server> --resource-group <group> "
                "--display-name <group name> --object-id <group object id>",
    references=("https://learn.microsoft.com/azure/azure-sql/database/authentication-aad-configure",),
    description="Without an Entra administrator only SQL logins exist: no MFA, no central deprovisioning.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.administrators is None:
            yield SPEC.error(server, "the server's administrators could not be read")
            continue
        # administratorType is documented with the single value ActiveDirectory
        entra = [a.login or a.sid or "" for a in server.administrators
                 if (a.administrator_type or "ActiveDirectory").lower() == "activedirectory"]
        if entra:
            yield SPEC.ok(server, "an Entra administrator is configured", administrators=entra)
        else:
            yield SPEC.fail(server, "no Entra administrator", administrators=[])
