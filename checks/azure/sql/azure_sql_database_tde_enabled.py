"""SQL database encrypts data at rest (transparent data encryption)."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlDatabase, SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_database_tde_enabled",
    title="SQL database has transparent data encryption on",
    severity=Severity.HIGH,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE, SqlDatabase.TYPE),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.5"),),
    remediation="az sql db tde set --server <server> --resource-group <group> --database <db> --status Enabled",
    references=("https://learn.microsoft.com/azure/azure-sql/database/transparent-data-encryption-tde-overview",),
    description="Checks user databases; master's encryption is managed by the platform.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.database_count is None:  # its databases are unknown, so is their encryption
            yield SPEC.error(server, "the server's databases could not be listed")
    for database in snap.resources(SqlDatabase):
        if database.tde_state is None:
            yield SPEC.error(database, "the encryption state could not be read")
        elif database.tde_state.lower() == "enabled":
            yield SPEC.ok(database, "transparent data encryption is on", state=database.tde_state)
        else:
            yield SPEC.fail(database, "transparent data encryption is off", state=database.tde_state)
