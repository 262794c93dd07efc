"""Storage account firewall denies networks not explicitly allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.azure.storage.defaults import network_default_action, public_network_access
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure import StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_account_network_default_deny",
    title="Storage account denies public network access by default",
    severity=Severity.MEDIUM,
    provider="azure",
    service="storage",
    requires=(StorageAccount.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "4.7"), ComplianceRef("cis-azure", "4.0.0", "10.3.2.3")),
    remediation="az storage account update --name <account> --resource-group <group> --default-action Deny",
    references=("https://learn.microsoft.com/azure/storage/common/storage-network-security",),
    description=(
        "An account whose firewall allows every network by default accepts requests from anywhere on "
        "the internet; public network access disabled, or default action Deny with explicit rules, "
        "limits who can even try."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(StorageAccount):
        props = account.properties
        if props is None:
            yield SPEC.error(account, "account properties could not be read")
            continue
        access = public_network_access(props)
        action = network_default_action(props)
        details: dict[str, Any] = {
            "public_network_access": access.value,
            "default_action": action.value,
            "defaults_applied": [d for d in (access.default, action.default) if d is not None],
            "ip_rules": list(props.network_acls.ip_rules) if props.network_acls else [],
            "virtual_network_rules": len(props.network_acls.virtual_network_rules) if props.network_acls else 0,
        }
        if access.value.lower() in ("disabled", "securedbyperimeter"):
            yield SPEC.ok(account, f"public network access is {access.value}", **details)
        elif action.value.lower() == "deny":
            yield SPEC.ok(account, "the firewall denies networks not explicitly allowed", **details)
        else:
            yield SPEC.fail(account, "every network is allowed by default", **details)
