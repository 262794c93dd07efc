"""Blob soft delete is on, with enough retention."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import soft_delete_findings
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_blob_soft_delete",
    title="Storage account keeps deleted blobs for at least 7 days (blob soft delete)",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(
        ComplianceRef("cis-azure", "3.0.0", "4.10"),
        ComplianceRef("cis-azure", "4.0.0", "10.2.1"),
        ComplianceRef("cis-azure", "4.0.0", "10.3.6"),
    ),
    remediation=(
        "az storage account blob-service-properties update --account-name <account> --resource-group <group> "
        "--enable-delete-retention true --delete-retention-days 7"
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview",),
    description=(
        "Without soft delete a deleted or overwritten blob is gone at once, whether by mistake or "
        "by an attacker; with it the data can be restored during the retention period."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from soft_delete_findings(SPEC, snap, lambda service: service.delete_retention, "blob soft delete")
