"""Storage account encrypts with a customer-managed key."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import key_source
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_cmk_encryption",
    title="Storage account encrypts with a customer-managed key",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.11"),),
    remediation=(
        "az storage account update --name <account> --resource-group <group> --encryption-key-source "
        "Microsoft.Keyvault --encryption-key-vault <vault uri> --encryption-key-name <key>"
    ),
    references=("https://learn.microsoft.com/azure/storage/common/customer-managed-keys-overview",),
    description=(
        "With a key in your own Key Vault you control rotation and can revoke access to the data; "
        "Microsoft-managed keys leave both to the platform."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        props = account.properties
        if props is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = key_source(props)
        details = setting.details("key_source")
        if setting.value.lower() == "microsoft.keyvault":
            vault = props.encryption.key_vault_uri if props.encryption else None
            yield SPEC.ok(account, "encrypted with a customer-managed key", key_vault_uri=vault, **details)
        else:
            yield SPEC.fail(account, "encrypted with Microsoft-managed keys", **details)
