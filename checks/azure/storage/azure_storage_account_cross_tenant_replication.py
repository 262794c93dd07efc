"""Storage account refuses object replication to other Entra tenants."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import allow_cross_tenant_replication
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_cross_tenant_replication",
    title="Storage account disallows cross-tenant object replication",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.16"), ComplianceRef("cis-azure", "4.0.0", "10.3.8")),
    remediation=(
        "az storage account update --name <account> --resource-group <group> --allow-cross-tenant-replication false"
    ),
    references=("https://learn.microsoft.com/azure/storage/blobs/object-replication-prevent-cross-tenant-policies",),
    description=(
        "Cross-tenant replication lets someone with write access copy every new blob into an account "
        "in a tenant you do not control."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = allow_cross_tenant_replication(account.properties)
        details = setting.details("allow_cross_tenant_replication")
        if setting.value:
            yield SPEC.fail(account, "object replication to other tenants is allowed", **details)
        else:
            yield SPEC.ok(account, "object replication stays within the tenant", **details)
