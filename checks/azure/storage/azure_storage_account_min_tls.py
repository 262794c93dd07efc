"""Storage account refuses TLS versions older than 1.2."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import RECOMMENDED_MIN_TLS, minimum_tls_version, tls_rank
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_min_tls",
    title="Storage account requires TLS 1.2 or later",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.15"), ComplianceRef("cis-azure", "4.0.0", "10.3.7")),
    remediation="az storage account update --name <account> --resource-group <group> --min-tls-version TLS1_2",
    references=("https://learn.microsoft.com/azure/storage/common/transport-layer-security-configure-minimum-version",),
    description="TLS 1.0 and 1.1 have known weaknesses; an account that accepts them lets clients downgrade.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    minimum = tls_rank(RECOMMENDED_MIN_TLS)
    assert minimum is not None
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        setting = minimum_tls_version(account.properties)
        details = setting.details("minimum_tls_version")
        rank = tls_rank(setting.value)
        if rank is None:
            yield SPEC.error(account, f"unrecognised minimumTlsVersion {setting.value!r}", **details)
        elif rank >= minimum:
            yield SPEC.ok(account, f"minimum TLS version is {setting.value}", **details)
        else:
            yield SPEC.fail(account, f"{setting.value} is accepted", **details)
