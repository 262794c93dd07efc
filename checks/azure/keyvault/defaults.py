"""What a Key Vault does when Resource Manager leaves a property out, and the reasoning
its checks share.

Documented defaults (Microsoft.KeyVault/vaults, api-version 2023-07-01):

* ``enableSoftDelete``: unset when the vault was created means true; once true it
  cannot be turned off (and since 2020 it cannot be created false).
* ``softDeleteRetentionInDays``: unset means 90 (7 to 90 allowed).
* ``enablePurgeProtection``: unset means off; once on it cannot be turned off.
* ``enableRbacAuthorization``: unset means false (access policies) up to this
  api-version; later api-versions changed the default for new vaults to true.
* ``publicNetworkAccess``: unset means enabled (then ``networkAcls`` decides).
* ``networkAcls``: unset means default action Allow.
* A key's or secret's ``enabled`` attribute unset means enabled.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.azure.storage.defaults import Effective
from scanner.model import CheckSpec, Finding
from scanner.resources.azure_keyvault import KeyVault, KeyVaultProperties, VaultItem
from scanner.snapshot import Snapshot

DEFAULT_RETENTION_DAYS = 90


def soft_delete(props: KeyVaultProperties) -> Effective[bool]:
    if props.enable_soft_delete is not None:
        return Effective(props.enable_soft_delete)
    return Effective(True, "enableSoftDelete unset: true (soft delete is on for every vault created since 2020)")


def retention_days(props: KeyVaultProperties) -> Effective[int]:
    if props.soft_delete_retention_days is not None:
        return Effective(props.soft_delete_retention_days)
    return Effective(DEFAULT_RETENTION_DAYS, f"softDeleteRetentionInDays unset: {DEFAULT_RETENTION_DAYS}")


def purge_protection(props: KeyVaultProperties) -> Effective[bool]:
    if props.enable_purge_protection is not None:
        return Effective(props.enable_purge_protection)
    return Effective(False, "enablePurgeProtection unset: off")


def rbac_authorization(props: KeyVaultProperties) -> Effective[bool]:
    if props.enable_rbac_authorization is not None:
        return Effective(props.enable_rbac_authorization)
    return Effective(False, "enableRbacAuthorization unset: false (access policies) at api-version 2023-07-01")


def public_network_access(props: KeyVaultProperties) -> Effective[str]:
    if props.public_network_access is not None:
        return Effective(props.public_network_access)
    return Effective("Enabled", "publicNetworkAccess unset: Enabled (the firewall decides)")


def network_default_action(props: KeyVaultProperties) -> Effective[str]:
    if props.network_acls is not None and props.network_acls.default_action is not None:
        return Effective(props.network_acls.default_action)
    return Effective("Allow", "networkAcls.defaultAction unset: Allow")


def item_enabled(item: VaultItem) -> bool:
    return item.enabled is not False


def evaluate_expiry(spec: CheckSpec, snap: Snapshot, kind: str) -> Iterator[Finding]:
    """One finding per vault: FAIL naming every enabled ``kind`` ("keys" or "secrets")
    without an expiry date."""
    for vault in snap.resources(KeyVault):
        items = vault.keys if kind == "keys" else vault.secrets
        if items is None:
            yield spec.error(vault, f"the vault's {kind} could not be listed")
            continue
        enabled = [item for item in items if item_enabled(item)]
        undated = sorted(item.name for item in enabled if item.expires is None)
        details: dict[str, Any] = {f"{kind}_without_expiry": undated, f"enabled_{kind}": len(enabled),
                                   "rbac_authorization": vault.properties.enable_rbac_authorization
                                   if vault.properties else None}
        if undated:
            yield spec.fail(vault, f"{len(undated)} enabled {kind} have no expiry date", **details)
        else:
            yield spec.ok(vault, f"every enabled {kind[:-1]} has an expiry date", **details)
