"""SQL server firewall does not admit every address (or every Azure tenant)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.sql.defaults import public_network_access, rule_range
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_sql import SqlServer
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_sql_server_firewall_open",
    title="SQL server firewall is not open to all addresses",
    severity=Severity.HIGH,
    provider="azure",
    service="sql",
    requires=(SqlServer.TYPE,),
    categories=(Category.NETWORK, Category.PUBLIC_ACCESS),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "5.1.2"),),
    remediation="az sql server firewall-rule delete --server <server> --resource-group <group> --name <rule>",
    references=("https://learn.microsoft.com/azure/azure-sql/database/firewall-configure",),
    description=(
        "A rule from 0.0.0.0 to 255.255.255.255 admits the whole internet (high); 0.0.0.0 to 0.0.0.0, 'Allow "
        "Azure services', admits any resource of any Azure tenant (medium). With public network access disabled "
        "the rules do not apply (low, latent)."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for server in snap.resources(SqlServer):
        if server.firewall_rules is None or server.properties is None:
            yield SPEC.error(server, "the server's properties or firewall rules could not be read")
            continue
        try:
            ranges = [rule_range(rule) for rule in server.firewall_rules]
        except ValueError as exc:
            yield SPEC.error(server, str(exc))
            continue
        everyone = sorted(r.rule.name for r in ranges if r.everyone)
        azure = sorted(r.rule.name for r in ranges if r.azure_services)
        access = public_network_access(server.properties)
        details = {"open_to_all": everyone, "allow_azure_services": azure, **access.details("public_network_access")}
        if not everyone and not azure:
            yield SPEC.ok(server, "no firewall rule admits every address", **details)
            continue
        latent = access.value.lower() == "disabled"
        severity = Severity.LOW if latent else Severity.HIGH if everyone else Severity.MEDIUM
        what = "every internet address" if everyone else "every Azure tenant's resources"
        reason = f"firewall rule {', '.join(everyone or azure)} admits {what}"
        yield SPEC.fail(server, reason + (" (public network access is disabled)" if latent else ""),
                        severity=severity, effective=not latent, **details)
