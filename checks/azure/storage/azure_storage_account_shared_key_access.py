"""Storage account refuses Shared Key (account key) authorisation."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import shared_key_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_shared_key_access",
    title="Storage account disallows Shared Key authorisation",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-azure", "4.0.0", "10.3.1.3"),),
    remediation="az storage account update --name <account> --resource-group <group> --allow-shared-key-access false",
    references=("https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent",),
    description=(
        "Account keys and the SAS tokens signed with them grant full access and cannot be tied to an "
        "identity; with Shared Key disabled every request must use Microsoft Entra ID."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = shared_key_access(account.properties)
        details = setting.details("allow_shared_key_access")
        if setting.value:
            yield SPEC.fail(account, "requests signed with the account key are accepted", **details)
        else:
            yield SPEC.ok(account, "only Microsoft Entra ID authorisation is accepted", **details)
