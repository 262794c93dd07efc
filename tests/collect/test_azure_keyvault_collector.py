"""The Key Vault collector against the local HTTPS Resource Manager: vault properties
from the list-by-subscription call, key and secret attributes (never values) from
Resource Manager's child collections."""

from __future__ import annotations

from collections.abc import Callable

from scanner import runner
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.keyvault import COLLECTOR
from scanner.resources.azure import PrivateEndpointConnection
from scanner.resources.azure_keyvault import KeyVault, KeyVaultProperties, VaultItem, VaultNetworkAcls
from scanner.snapshot import Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "0000000a-0000-0000-0000-00000000000a"
SUB_B = "0000000b-0000-0000-0000-00000000000b"
VAULTS = "/providers/Microsoft.KeyVault/vaults"


def collect(contexts: list[AzureContext]) -> Snapshot:
    return runner.collect([(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts], [COLLECTOR])


def test_vault_keys_and_secrets_field_by_field(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.add_subscription(SUB_A)
    vault = arm.model.add_key_vault(SUB_A, "kv-prod", {
        "enableSoftDelete": True, "softDeleteRetentionInDays": 30, "enablePurgeProtection": True,
        "enableRbacAuthorization": True, "publicNetworkAccess": "Disabled",
        "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices", "ipRules": [{"value": "203.0.113.0/24"}],
                        "virtualNetworkRules": [{"id": "/subnet/a"}]},
        "privateEndpointConnections": [{"id": "/pec/1", "properties": {
            "privateEndpoint": {"id": "/pe/1"}, "privateLinkServiceConnectionState": {"status": "Approved"}}}],
    }, location="northeurope", keys={"cmk": {"enabled": True, "exp": 1893456000, "created": 1700000000}},
        secrets={"db": {"enabled": False}, "api": {}})
    bare = arm.model.add_key_vault(SUB_A, "kv-bare", {})

    snap = collect(open_azure())

    assert snap.errors == ()
    vaults = {v.name: v for v in snap.resources(KeyVault)}
    assert vaults["kv-prod"] == KeyVault(
        account=SUB_A, region="northeurope", resource_id=vault, name="kv-prod", tags={}, resource_group="rg-sec",
        api_version="2023-07-01",
        properties=KeyVaultProperties(True, 30, True, True, "Disabled",
                                      VaultNetworkAcls("Deny", "AzureServices", ("203.0.113.0/24",), ("/subnet/a",)),
                                      (PrivateEndpointConnection("/pec/1", "/pe/1", "Approved"),)),
        keys=(VaultItem("cmk", True, 1893456000),),
        secrets=(VaultItem("db", False, None), VaultItem("api", None, None)),
    )
    # absent properties stay None: the checks apply the platform defaults
    assert vaults["kv-bare"].properties == KeyVaultProperties()
    assert vaults["kv-bare"].keys == () and vaults["kv-bare"].secrets == ()
    calls = arm.calls()
    assert calls[f"/subscriptions/{SUB_A}{VAULTS}"] == 1
    for vault_id in (vault, bare):
        assert calls[f"{vault_id}/keys"] == 1 and calls[f"{vault_id}/secrets"] == 1
    assert arm.methods() == {"GET"}
    assert not any(".vault.azure.net" in path or path.endswith("/value") for path in calls)


def test_paging_forbidden_subscription_and_an_unreadable_secrets_listing(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    for sub in (SUB_A, SUB_B):
        arm.model.add_subscription(sub)
    for index in range(3):
        arm.model.add_key_vault(SUB_A, f"kv{index}", {"enableSoftDelete": True},
                                keys={f"k{n}": {"exp": 1} for n in range(5)})
    arm.model.add_key_vault(SUB_B, "hidden", {})
    locked = arm.model.add_key_vault(SUB_A, "locked", {})
    arm.fail(f"/subscriptions/{SUB_B}{VAULTS}", status=403, code="AuthorizationFailed")
    arm.fail("locked/secrets$", status=403, code="AuthorizationFailed")

    snap = collect(open_azure())

    vaults = {v.name: v for v in snap.resources(KeyVault)}
    assert sorted(vaults) == ["kv0", "kv1", "kv2", "locked"]
    assert {len(vaults[f"kv{i}"].keys or ()) for i in range(3)} == {5}
    assert vaults["locked"].secrets is None and vaults["locked"].keys == ()
    assert {(e.account, e.operation, e.code, e.resource_id) for e in snap.errors} == {
        (SUB_B, "Vaults_ListBySubscription", "AuthorizationFailed", None),
        (SUB_A, "Secrets_List", "AuthorizationFailed", locked),
    }
    assert arm.calls()[f"/subscriptions/{SUB_A}{VAULTS}"] == 2
    assert arm.methods() == {"GET"}
