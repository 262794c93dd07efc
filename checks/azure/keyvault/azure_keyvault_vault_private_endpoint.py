"""Key Vault is reached through an approved private endpoint."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_vault_private_endpoint",
    title="Key Vault has an approved private endpoint",
    severity=Severity.LOW,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.7"), ComplianceRef("cis-azure", "4.0.0", "9.3.8")),
    remediation="az network private-endpoint create --name <pe> --resource-group <group> --vnet-name <vnet> "
                "--subnet <subnet> --private-connection-resource-id <vault id> --group-id vault "
                "--connection-name <name>",
    references=("https://learn.microsoft.com/azure/key-vault/general/private-link-service",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vault in snap.resources(KeyVault):
        if vault.properties is None:
            yield SPEC.error(vault, "vault properties could not be read")
            continue
        connections = vault.properties.private_endpoint_connections
        approved = [c.id for c in connections if (c.status or "").lower() == "approved"]
        details: dict[str, Any] = {"approved": approved, "connections": len(connections)}
        if approved:
            yield SPEC.ok(vault, "an approved private endpoint serves the vault", **details)
        else:
            yield SPEC.fail(vault, "no approved private endpoint", **details)
