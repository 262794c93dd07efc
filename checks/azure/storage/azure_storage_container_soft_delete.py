"""Container soft delete is on, with enough retention."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import soft_delete_findings
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_container_soft_delete",
    title="Storage account keeps deleted containers for at least 7 days (container soft delete)",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.10"), ComplianceRef("cis-azure", "4.0.0", "10.3.6")),
    remediation=(
        "az storage account blob-service-properties update --account-name <account> --resource-group <group> "
        "--enable-container-delete-retention true --container-delete-retention-days 7"
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/soft-delete-container-overview",),
    description=(
        "Deleting a container deletes every blob in it; container soft delete keeps the whole "
        "container restorable during the retention period."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from soft_delete_findings(SPEC, snap, lambda service: service.container_delete_retention,
                                    "container soft delete")
