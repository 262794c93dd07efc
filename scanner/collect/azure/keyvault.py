"""Azure Key Vaults, from the management plane.

Per subscription: one paged ``GET /subscriptions/{id}/providers/Microsoft.KeyVault/
vaults`` (the list-by-subscription operation, which returns each vault's properties;
the generic resource listing does not). Then per vault (in ``ctx.pool``) one paged
``GET {vault}/keys`` and one paged ``GET {vault}/secrets``: Resource Manager's child
collections list each item's attributes (enabled, exp) and never a key or secret value.
The data plane (``*.vault.azure.net``) is never called.
"""

from __future__ import annotations

from typing import Any

from scanner.collect.azure.arm import API_VERSIONS
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.reads import (
    UnexpectedShape,
    boolean,
    identity,
    integer,
    list_scope,
    obj,
    objs,
    opt_obj,
    private_endpoints,
    read_child,
    record_failure,
    resource_group_of,
    string,
    tags,
)
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.azure_keyvault import KeyVault, KeyVaultProperties, VaultItem, VaultNetworkAcls

SERVICE = "keyvault"
VAULT_API = API_VERSIONS["Microsoft.KeyVault/vaults"]
KEYS_API = API_VERSIONS["Microsoft.KeyVault/vaults/keys"]
SECRETS_API = API_VERSIONS["Microsoft.KeyVault/vaults/secrets"]


def collect(ctx: AzureContext, result: CollectResult) -> None:
    vaults = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.KeyVault/vaults", VAULT_API,
                        service=SERVICE, operation="Vaults_ListBySubscription", resource_types=(KeyVault.TYPE,))
    if vaults is not None:
        ctx.pool.run(lambda item: _add_vault(ctx, result, item), vaults)


def _add_vault(ctx: AzureContext, result: CollectResult, item: dict[str, Any]) -> None:
    try:
        vault_id, name, location = identity(item, "key vault")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="Vaults_ListBySubscription",
                       resource_type=KeyVault.TYPE)
        return
    properties: KeyVaultProperties | None
    try:
        properties = vault_properties(item.get("properties"))
    except UnexpectedShape as exc:
        properties = None
        record_failure(ctx, result, exc, service=SERVICE, operation="Vaults_ListBySubscription",
                       resource_type=KeyVault.TYPE, resource_id=vault_id, region=location)

    def items(kind: str, api: str, operation: str) -> tuple[VaultItem, ...] | None:
        return read_child(ctx, result, lambda: tuple(vault_item(raw) for raw in ctx.reader.list(f"{vault_id}/{kind}",
                                                                                                 api)),
                          service=SERVICE, operation=operation, resource_type=KeyVault.TYPE, resource_id=vault_id,
                          region=location)

    result.add(KeyVault(
        account=ctx.subscription_id, region=location, resource_id=vault_id, name=name, tags=tags(item.get("tags")),
        resource_group=resource_group_of(vault_id), api_version=VAULT_API, properties=properties,
        keys=items("keys", KEYS_API, "Keys_List"), secrets=items("secrets", SECRETS_API, "Secrets_List"),
    ))


def vault_properties(raw: Any) -> KeyVaultProperties:
    props = obj(raw, "properties")
    acls = opt_obj(props, "networkAcls")
    return KeyVaultProperties(
        enable_soft_delete=boolean(props, "enableSoftDelete"),
        soft_delete_retention_days=integer(props, "softDeleteRetentionInDays"),
        enable_purge_protection=boolean(props, "enablePurgeProtection"),
        enable_rbac_authorization=boolean(props, "enableRbacAuthorization"),
        public_network_access=string(props, "publicNetworkAccess"),
        network_acls=None if acls is None else VaultNetworkAcls(
            default_action=string(acls, "defaultAction"),
            bypass=string(acls, "bypass"),
            ip_rules=tuple(str(rule.get("value", "")) for rule in objs(acls.get("ipRules"), "ipRules")),
            virtual_network_rules=tuple(str(rule.get("id", ""))
                                        for rule in objs(acls.get("virtualNetworkRules"), "virtualNetworkRules")),
        ),
        private_endpoint_connections=private_endpoints(props),
    )


def vault_item(raw: dict[str, Any]) -> VaultItem:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise UnexpectedShape("a listed key or secret has no name")
    attributes = opt_obj(obj(raw.get("properties"), f"{name} properties"), "attributes") or {}
    return VaultItem(name=name, enabled=boolean(attributes, "enabled"), expires=integer(attributes, "exp"))


COLLECTOR = CollectorSpec(
    name="azure.keyvault",
    provider="azure",
    produces=(KeyVault.TYPE,),
    permissions=(
        "Microsoft.KeyVault/vaults/read",
        "Microsoft.KeyVault/vaults/keys/read",
        "Microsoft.KeyVault/vaults/secrets/read",
    ),
    collect=collect,
    record_types=(KeyVault,),
    calls=(
        Call("Microsoft.KeyVault", "vaults", pages=True),
        Call("Microsoft.KeyVault", "vaults/keys", KeyVault.TYPE, pages=True),
        Call("Microsoft.KeyVault", "vaults/secrets", KeyVault.TYPE, pages=True),
    ),
)
