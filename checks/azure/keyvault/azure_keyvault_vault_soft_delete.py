"""Key Vault keeps deleted vaults and objects recoverable (soft delete)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import retention_days, soft_delete
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_vault_soft_delete",
    title="Key Vault has soft delete enabled",
    severity=Severity.MEDIUM,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.5"), ComplianceRef("cis-azure", "4.0.0", "9.3.5")),
    remediation="Soft delete cannot be turned on for an old vault that lacks it: move its objects to a new vault.",
    references=("https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview",),
    description="Without soft delete a deleted key, secret or vault is gone at once, with the data it protected.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vault in snap.resources(KeyVault):
        if vault.properties is None:
            yield SPEC.error(vault, "vault properties could not be read")
            continue
        setting = soft_delete(vault.properties)
        details = {**setting.details("soft_delete"), "retention_days": retention_days(vault.properties).value}
        if setting.value:
            yield SPEC.ok(vault, "soft delete is on", **details)
        else:
            yield SPEC.fail(vault, "soft delete is off", **details)
