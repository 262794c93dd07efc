"""SQL server refuses TLS versions older than 1.2."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.sql.defaults import RECOMMENDED_MIN_TLS, TLS_VERSIONS, minimal_tls
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_min_tls",
    title="SQL server requires TLS 1.2 or later",
    severity=Severity.MEDIUM,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.ENCRYPTION,),
    remediation="az sql server update --name <server> --resource-group <group> --minimal-tls-version 1.2",
    references=("https://learn.microsoft.com/azure/azure-sql/database/connectivity-settings#minimal-tls-version",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.properties is None:
            yield SPEC.error(server, "server properties could not be read")
            continue
        setting = minimal_tls(server.properties)
        details = setting.details("minimal_tls_version")
        if setting.value not in TLS_VERSIONS:
            yield SPEC.error(server, f"unrecognised minimalTlsVersion {setting.value!r}", **details)
        elif TLS_VERSIONS.index(setting.value) >= TLS_VERSIONS.index(RECOMMENDED_MIN_TLS):
            yield SPEC.ok(server, f"minimum TLS version is {setting.value}", **details)
        else:
            yield SPEC.fail(server, f"TLS {setting.value} is accepted", **details)
