"""Filling the local Resource Manager's model with N storage accounts (two containers
each), N network security groups and N key vaults (a key and a secret each), in the
documented ARM shapes, through the model's own ``add_*`` helpers.

This runs inside the server's process (``azure_world``). The mix covers what the Azure
checks read: public blob access allowed, denied or left to the platform default, old
and current minimum TLS, HTTP allowed, open and closed network rules, soft delete on and
off, public and private containers; NSGs open to RDP from the internet, HTTPS from a
private range, or no rules of their own; vaults with and without purge protection, RBAC,
network rules and expiry dates. One Network Watcher holds flow logs for a tenth of the
NSGs; one activity-log diagnostic setting and the Defender plans exist, as in the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SUBSCRIPTION = "6f0c2d1e-3a4b-4c5d-8e7f-9a0b1c2d3e4f"
LOCATION = "westeurope"
EXPIRES = 1893456000  # 2030-01-01


@dataclass(frozen=True)
class AzureSeedCounts:
    storage_accounts: int
    containers: int
    nsgs: int
    key_vaults: int

    @property
    def resources(self) -> int:
        """The resources the benchmark was asked for (containers are part of their account)."""
        return self.storage_accounts + self.nsgs + self.key_vaults


def seed(model: Any, n: int) -> AzureSeedCounts:
    """``model`` is the server's (empty) ``ArmModel``."""
    model.add_subscription(SUBSCRIPTION, "bench subscription")
    containers = 0
    nsg_ids = []
    for i in range(n):
        containers += _storage_account(model, i)
        nsg_ids.append(_nsg(model, i))
        _key_vault(model, i)
    model.add_network_watcher(SUBSCRIPTION, LOCATION, [
        {"name": f"fl-{i:05d}", "targetResourceId": nsg_id, "enabled": True,
         "retentionPolicy": {"days": 90, "enabled": True}}
        for i, nsg_id in enumerate(nsg_ids) if i % 10 == 0])
    model.set_activity_log_settings(SUBSCRIPTION, {"export": {
        "workspaceId": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-ops/providers/"
                       "Microsoft.OperationalInsights/workspaces/bench-logs",
        "logs": [{"category": c, "enabled": True} for c in ("Administrative", "Security", "Policy", "Alert")]}})
    model.set_pricings(SUBSCRIPTION, {"VirtualMachines": "Standard", "StorageAccounts": "Free",
                                      "KeyVaults": "Standard", "SqlServers": "Free"})
    return AzureSeedCounts(storage_accounts=n, containers=containers, nsgs=n, key_vaults=n)


def _storage_account(model: Any, i: int) -> int:
    properties: dict[str, Any] = {
        "creationTime": "2024-01-01T00:00:00Z",
        "minimumTlsVersion": "TLS1_0" if i % 4 == 0 else "TLS1_2",
        "supportsHttpsTrafficOnly": i % 5 != 0,
        "publicNetworkAccess": "Enabled",
        "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny" if i % 2 else "Allow",
                        "ipRules": [], "virtualNetworkRules": []},
    }
    if i % 3 != 2:  # the third case leaves it to the platform default
        properties["allowBlobPublicAccess"] = i % 3 == 0
    blob_service: dict[str, Any] = {}
    if i % 2 == 0:
        blob_service["deleteRetentionPolicy"] = {"enabled": True, "days": 7}
    if i % 3 == 0:
        blob_service["containerDeleteRetentionPolicy"] = {"enabled": True, "days": 7}
    containers: dict[str, str | None] = {"data": "None", "site": "Blob" if i % 3 == 0 else None}
    model.add_storage_account(SUBSCRIPTION, f"benchsa{i:05d}", group="rg-data", location=LOCATION,
                              properties=properties, blob_service=blob_service, containers=containers,
                              tags={"team": f"t{i % 7}"} if i % 3 == 0 else None)
    return len(containers)


def _nsg(model: Any, i: int) -> str:
    rules: list[dict[str, Any]] = []
    if i % 3 == 0:
        rules.append({"name": "allow-rdp", "priority": 100, "direction": "Inbound", "access": "Allow",
                      "protocol": "Tcp", "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
                      "destinationAddressPrefix": "*", "destinationPortRange": "3389"})
    elif i % 3 == 1:
        rules.append({"name": "allow-https-internal", "priority": 200, "direction": "Inbound", "access": "Allow",
                      "protocol": "Tcp", "sourceAddressPrefixes": ["10.0.0.0/8"], "sourcePortRange": "*",
                      "destinationAddressPrefix": "*", "destinationPortRanges": ["443"]})
    return str(model.add_nsg(SUBSCRIPTION, f"bench-nsg-{i:05d}", rules, group="rg-net", location=LOCATION))


def _key_vault(model: Any, i: int) -> None:
    properties: dict[str, Any] = {
        "enableSoftDelete": True,
        "enableRbacAuthorization": i % 3 == 0,
        "publicNetworkAccess": "Disabled" if i % 4 == 0 else "Enabled",
        "networkAcls": {"defaultAction": "Deny" if i % 2 else "Allow", "bypass": "AzureServices"},
    }
    if i % 2 == 0:
        properties["enablePurgeProtection"] = True
    attributes: dict[str, Any] = {"enabled": True, **({"exp": EXPIRES} if i % 2 else {})}
    model.add_key_vault(SUBSCRIPTION, f"bench-kv-{i:05d}", properties, group="rg-sec", location=LOCATION,
                        keys={"signing": attributes}, secrets={"db-password": attributes})
