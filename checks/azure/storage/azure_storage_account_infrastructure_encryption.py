"""Storage account encrypts at the infrastructure layer too (double encryption)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import infrastructure_encryption
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_infrastructure_encryption",
    title="Storage account has infrastructure encryption enabled",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.2"),),
    remediation=(
        "Infrastructure encryption is chosen at creation: create a new account with "
        "az storage account create ... --require-infrastructure-encryption and move the data"
    ),
    references=("https://learn.microsoft.com/azure/storage/common/infrastructure-encryption-enable",),
    description=(
        "A second layer of AES-256 encryption with a different key protects the data if one "
        "algorithm or key is ever compromised."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = infrastructure_encryption(account.properties)
        details = setting.details("require_infrastructure_encryption")
        if setting.value:
            yield SPEC.ok(account, "infrastructure encryption is required", **details)
        else:
            yield SPEC.fail(account, "data is encrypted once, at the service layer only", **details)
