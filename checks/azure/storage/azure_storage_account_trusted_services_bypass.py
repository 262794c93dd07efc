"""Storage account lets trusted Azure services through its firewall."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import network_bypass
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_trusted_services_bypass",
    title="Storage account firewall lets trusted Azure services through",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.8"), ComplianceRef("cis-azure", "4.0.0", "10.3.5")),
    remediation="az storage account update --name <account> --resource-group <group> --bypass AzureServices",
    references=(
        "https://learn.microsoft.com/azure/storage/common/storage-network-security#grant-access-to-trusted-azure-services",
    ),
    description=(
        "Services such as Azure Backup, Event Grid and Monitor reach storage from networks that firewall "
        "rules cannot name; the AzureServices bypass lets them in with strong authentication, so a "
        "restrictive firewall does not push teams towards opening it."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = network_bypass(account.properties)
        details = {**setting.details("bypass"), "bypass": list(setting.value)}
        if any(part.lower() == "azureservices" for part in setting.value):
            yield SPEC.ok(account, "trusted Azure services may bypass the firewall", **details)
        else:
            yield SPEC.fail(account, "trusted Azure services are not allowed through the firewall", **details)
