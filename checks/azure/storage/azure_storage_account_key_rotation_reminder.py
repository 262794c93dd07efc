"""Storage account has an access-key rotation reminder of at most 90 days."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

MAX_DAYS = 90  # the period CIS prescribes for the reminder

SPEC = CheckSpec(
    id="azure_storage_account_key_rotation_reminder",
    title="Storage account reminds to rotate its access keys every 90 days or sooner",
    severity=Severity.LOW,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.3"), ComplianceRef("cis-azure", "4.0.0", "10.3.1.1")),
    remediation="az storage account update --name <account> --resource-group <group> --key-exp-days 90",
    references=("https://learn.microsoft.com/azure/storage/common/storage-account-keys-manage#create-a-key-expiration-policy",),
    description=(
        "A key expiration policy makes Azure flag access keys older than the period, a reminder to "
        "rotate them so that a leaked key does not stay valid for years."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        if account.properties is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        days = account.properties.key_expiration_period_days
        if days is None:
            yield SPEC.fail(account, "no key rotation reminder", key_expiration_period_days=None, maximum=MAX_DAYS)
        elif days > MAX_DAYS:
            yield SPEC.fail(account, f"the reminder comes after {days} days", key_expiration_period_days=days,
                            maximum=MAX_DAYS)
        else:
            yield SPEC.ok(account, f"reminder every {days} days", key_expiration_period_days=days, maximum=MAX_DAYS)
