"""Blob versioning is on."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import has_blob_service
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_blob_versioning",
    title="Storage account keeps previous blob versions (blob versioning)",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "4.0.0", "10.2.2"),),
    remediation=(
        "az storage account blob-service-properties update --account-name <account> --resource-group <group> "
        "--enable-versioning true"
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/versioning-overview",),
    description="With versioning, an overwritten or deleted blob's previous state can be restored.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if not has_blob_service(account):
            continue
        if account.blob_service is None:
            yield SPEC.error(account, "blob service properties could not be read")
            continue
        enabled = account.blob_service.versioning_enabled
        if enabled:
            yield SPEC.ok(account, "blob versioning is on", versioning_enabled=True, source="configured")
        elif enabled is None:
            yield SPEC.fail(account, "blob versioning is off", versioning_enabled=False, source="default",
                            default="isVersioningEnabled unset: off")
        else:
            yield SPEC.fail(account, "blob versioning is off", versioning_enabled=False, source="configured")
