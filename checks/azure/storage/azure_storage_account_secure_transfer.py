"""Storage account accepts only HTTPS ("secure transfer required")."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import https_only
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_secure_transfer",
    title="Storage account requires secure transfer (HTTPS only)",
    severity=Severity.HIGH,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.ENCRYPTION, Category.NETWORK),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.1"), ComplianceRef("cis-azure", "4.0.0", "10.3.4")),
    remediation="az storage account update --name <account> --resource-group <group> --https-only true",
    references=("https://learn.microsoft.com/azure/storage/common/storage-require-secure-transfer",),
    description=(
        "Without secure transfer the account answers plain HTTP, so keys, SAS tokens and data "
        "can cross the network unencrypted."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = https_only(account, account.properties)
        details = setting.details("supports_https_traffic_only")
        if setting.value:
            yield SPEC.ok(account, "only HTTPS is accepted", **details)
        else:
            yield SPEC.fail(account, "plain HTTP requests are accepted", **details)
