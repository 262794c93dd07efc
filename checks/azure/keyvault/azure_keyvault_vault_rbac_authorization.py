"""Key Vault authorises data access with Azure RBAC rather than access policies."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import rbac_authorization
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_vault_rbac_authorization",
    title="Key Vault uses Azure RBAC authorisation",
    severity=Severity.LOW,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.6"), ComplianceRef("cis-azure", "4.0.0", "9.3.6")),
    remediation="az keyvault update --name <vault> --resource-group <group> --enable-rbac-authorization true",
    references=("https://learn.microsoft.com/azure/key-vault/general/rbac-guide",),
    description="RBAC gives per-object scopes, PIM and one audit trail; access policies grant vault-wide rights.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vault in snap.resources(KeyVault):
        if vault.properties is None:
            yield SPEC.error(vault, "vault properties could not be read")
            continue
        setting = rbac_authorization(vault.properties)
        if setting.value:
            yield SPEC.ok(vault, "RBAC authorisation is on", **setting.details("rbac_authorization"))
        else:
            yield SPEC.fail(vault, "the vault uses access policies", **setting.details("rbac_authorization"))
