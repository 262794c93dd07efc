"""Key Vault is not open to every network: public access disabled, or a firewall
whose default action is Deny."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import network_default_action, public_network_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_vault_public_network_access",
    title="Key Vault is not reachable from every network",
    severity=Severity.MEDIUM,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "4.0.0", "9.3.7"),),
    remediation="az keyvault update --name <vault> --resource-group <group> --public-network-access Disabled  "
                "(reach it through a private endpoint), or --default-action Deny with the networks it needs",
    references=("https://learn.microsoft.com/azure/key-vault/general/network-security",),
    description="A vault that accepts every network relies on identity alone to protect its keys.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vault in snap.resources(KeyVault):
        if vault.properties is None:
            yield SPEC.error(vault, "vault properties could not be read")
            continue
        access = public_network_access(vault.properties)
        action = network_default_action(vault.properties)
        details = {**access.details("public_network_access"), "default_action": action.value}
        if action.default is not None:
            details["default_action_default"] = action.default
        if access.value.lower() == "disabled":
            yield SPEC.ok(vault, "public network access is disabled", **details)
        elif action.value.lower() == "deny":
            yield SPEC.ok(vault, "the vault firewall denies networks it does not list", **details)
        else:
            yield SPEC.fail(vault, "public network access is enabled and the firewall allows every network",
                            **details)
