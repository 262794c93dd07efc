"""Storage account is reached through a private endpoint."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_private_endpoint",
    title="Storage account has an approved private endpoint",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.9"), ComplianceRef("cis-azure", "4.0.0", "10.3.2.1")),
    remediation=(
        "az network private-endpoint create --name <endpoint> --resource-group <group> --vnet-name <vnet> "
        "--subnet <subnet> --private-connection-resource-id <account id> --group-id blob "
        "--connection-name <name>"
    ),
    references=("https://learn.microsoft.com/azure/storage/common/storage-private-endpoints",),
    description=(
        "A private endpoint gives the account an address inside a virtual network, so clients reach it "
        "over Private Link instead of the public endpoint."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        connections = account.properties.private_endpoint_connections
        statuses = sorted({c.status or "unknown" for c in connections})
        approved = [c.private_endpoint_id or c.id for c in connections if (c.status or "").lower() == "approved"]
        if approved:
            yield SPEC.ok(account, f"{len(approved)} approved private endpoint(s)", private_endpoints=approved)
        elif connections:
            yield SPEC.fail(account, "no private endpoint connection is approved", statuses=statuses)
        else:
            yield SPEC.fail(account, "no private endpoint", statuses=[])
