"""Storage account has a SAS expiration policy."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_sas_expiration_policy",
    title="Storage account has a SAS expiration policy",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.IDENTITY,),
    remediation=(
        "az storage account update --name <account> --resource-group <group> "
        "--sas-expiration-period 0.01:00:00 (days.hours:minutes:seconds)"
    ),
    references=("https://learn.microsoft.com/azure/storage/common/sas-expiration-policy",),
    description=(
        "A SAS expiration policy names the longest validity a shared access signature should have, "
        "and logs (or with the Block action refuses) longer-lived ones, which act like passwords "
        "that never expire."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        policy = account.properties.sas_policy
        if policy is None:
            yield SPEC.fail(account, "no SAS expiration policy", sas_expiration_period=None)
        else:
            # absent expirationAction means Log: long-lived tokens are logged, not refused
            action = policy.expiration_action or "Log"
            yield SPEC.ok(account, f"SAS tokens should expire within {policy.expiration_period}",
                          sas_expiration_period=policy.expiration_period, expiration_action=action)
