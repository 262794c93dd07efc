"""Storage account disables public network access."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import public_network_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_public_network_access",
    title="Storage account disables public network access",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.6"), ComplianceRef("cis-azure", "4.0.0", "10.3.2.2")),
    remediation="az storage account update --name <account> --resource-group <group> --public-network-access Disabled",
    references=("https://learn.microsoft.com/azure/storage/common/storage-network-security",),
    description=(
        "With public network access disabled the account is reachable only through private endpoints, "
        "whatever its firewall rules or container settings say."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = public_network_access(account.properties)
        details = setting.details("public_network_access")
        if setting.value.lower() == "disabled":
            yield SPEC.ok(account, "public network access is disabled", **details)
        else:
            yield SPEC.fail(account, f"public network access is {setting.value}", **details)
