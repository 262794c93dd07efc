"""Key Vault has purge protection, so soft-deleted objects cannot be purged early."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import purge_protection
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_vault_purge_protection",
    title="Key Vault has purge protection enabled",
    severity=Severity.MEDIUM,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.5"), ComplianceRef("cis-azure", "4.0.0", "9.3.5")),
    remediation="az keyvault update --name <vault> --resource-group <group> --enable-purge-protection true",
    references=("https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview#purge-protection",),
    description="Without purge protection an insider or a stolen identity can purge soft-deleted keys for good.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vault in snap.resources(KeyVault):
        if vault.properties is None:
            yield SPEC.error(vault, "vault properties could not be read")
            continue
        setting = purge_protection(vault.properties)
        if setting.value:
            yield SPEC.ok(vault, "purge protection is on", **setting.details("purge_protection"))
        else:
            yield SPEC.fail(vault, "purge protection is off", **setting.details("purge_protection"))
