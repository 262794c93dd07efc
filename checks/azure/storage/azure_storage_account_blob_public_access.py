"""Storage account disallows anonymous (public) blob access."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import allow_blob_public_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_blob_public_access",
    title="Storage account disallows anonymous blob access",
    severity=Severity.HIGH,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.17"), ComplianceRef("cis-azure", "4.0.0", "10.3.9")),
    remediation=(
        "az storage account update --name <account> --resource-group <group> --allow-blob-public-access false"
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent",),
    description=(
        "While the account allows anonymous access, one container set to 'blob' or 'container' "
        "publishes its data to the internet. Disallowing it at the account overrides every container."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = allow_blob_public_access(account.properties)
        details = setting.details("allow_blob_public_access")
        if setting.value:
            yield SPEC.fail(account, "containers may be made anonymously readable", **details)
        else:
            yield SPEC.ok(account, "anonymous blob access is disallowed", **details)
