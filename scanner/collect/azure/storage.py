"""Azure Storage accounts: account settings, blob service properties and containers.

Per subscription, one paged listing of ``Microsoft.Storage/storageAccounts``; then per
account (in ``ctx.pool``) exactly one ``GET .../blobServices/default`` and one paged
``GET .../blobServices/default/containers``. Accounts without a blob service
(kind FileStorage) get neither. Nothing else is called: never listKeys, never a POST.

A failed listing records a scope-level CollectionError for both record types; a failed
per-account read leaves that field None and records an error naming the account.
With the opt-in data plane (a ``BlobContext``), ``blob.py`` then reads each account's
blob endpoint and, with ``--probe-anonymous``, probes the containers listed here.
"""

from __future__ import annotations

from typing import Any

from scanner.collect.azure.arm import API_VERSIONS
from scanner.collect.azure.blob import BlobContext, read_data_plane
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.reads import (
    UnexpectedShape,
    boolean,
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
from scanner.resources.azure import (
    BlobContainer,
    BlobDataPlane,
    BlobServiceProperties,
    NetworkRuleSet,
    RetentionPolicy,
    SasPolicy,
    StorageAccount,
    StorageAccountProperties,
    StorageEncryption,
)

SERVICE = "storage"
ACCOUNT = StorageAccount.TYPE
CONTAINER = BlobContainer.TYPE
ACCOUNTS_API = API_VERSIONS["Microsoft.Storage/storageAccounts"]
BLOB_SERVICE_API = API_VERSIONS["Microsoft.Storage/storageAccounts/blobServices"]
CONTAINERS_API = API_VERSIONS["Microsoft.Storage/storageAccounts/blobServices/containers"]
# account kinds that have no blob service to read
NO_BLOB_SERVICE_KINDS = frozenset({"filestorage"})


def collect(ctx: AzureContext, result: CollectResult) -> None:
    # a failed listing leaves nothing known about this subscription's accounts, so nothing about containers either
    listed = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.Storage/storageAccounts",
                        ACCOUNTS_API, service=SERVICE, operation="StorageAccounts_List",
                        resource_types=(ACCOUNT, CONTAINER))
    if listed is not None:
        ctx.pool.run(lambda item: _collect_account(ctx, result, item), listed)


def _collect_account(ctx: AzureContext, result: CollectResult, item: dict[str, Any]) -> None:
    account_id = str(item.get("id") or "")
    if not account_id:
        record_failure(ctx, result, UnexpectedShape("a listed storage account has no id"), service=SERVICE,
                       operation="StorageAccounts_List", resource_type=ACCOUNT)
        return
    location = str(item.get("location") or "global")
    kind = item.get("kind") if isinstance(item.get("kind"), str) else None
    try:
        properties: StorageAccountProperties | None = account_properties(item.get("properties"))
    except UnexpectedShape as exc:
        properties = None
        record_failure(ctx, result, exc, service=SERVICE, operation="StorageAccounts_List", resource_type=ACCOUNT,
                       resource_id=account_id, region=location)
    blob_service: BlobServiceProperties | None = None
    container_count: int | None = None
    if (kind or "").lower() not in NO_BLOB_SERVICE_KINDS:
        blob_service = _blob_service(ctx, result, account_id, location)
        containers = _containers(ctx, result, account_id, location)
        if isinstance(ctx, BlobContext):  # the opt-in data plane (and probe), from what ARM gave
            containers = read_data_plane(ctx, result, item, properties, containers)
        for container in containers or ():
            result.add(container)
        container_count = None if containers is None else len(containers)
    sku = item.get("sku")
    result.add(
        StorageAccount(
            account=ctx.subscription_id,
            region=location,
            resource_id=account_id,
            name=str(item.get("name") or account_id.rsplit("/", 1)[-1]),
            tags=tags(item.get("tags")),
            resource_group=resource_group_of(account_id),
            kind=kind,
            sku=str(sku.get("name")) if isinstance(sku, dict) and sku.get("name") else None,
            api_version=ACCOUNTS_API,
            properties=properties,
            blob_service=blob_service,
            container_count=container_count,
        )
    )


def _blob_service(
    ctx: AzureContext, result: CollectResult, account_id: str, location: str
) -> BlobServiceProperties | None:
    return read_child(
        ctx, result,
        lambda: blob_service_properties(ctx.reader.get(f"{account_id}/blobServices/default", BLOB_SERVICE_API)
                                        .get("properties")),
        service=SERVICE, operation="BlobServices_GetServiceProperties", resource_type=ACCOUNT,
        resource_id=account_id, region=location,
    )


def _containers(ctx: AzureContext, result: CollectResult, account_id: str, location: str) -> list[BlobContainer] | None:
    """One record per container, or None when the listing failed (then no container of
    this account is reported at all)."""
    return read_child(
        ctx, result,
        lambda: [_container(ctx, account_id, location, item)
                 for item in ctx.reader.list(f"{account_id}/blobServices/default/containers", CONTAINERS_API)],
        service=SERVICE, operation="BlobContainers_List", resource_type=CONTAINER,
        resource_id=account_id, region=location,
    )


def _container(ctx: AzureContext, account_id: str, location: str, item: dict[str, Any]) -> BlobContainer:
    container_id = item.get("id")
    name = item.get("name")
    if not isinstance(container_id, str) or not isinstance(name, str):
        raise UnexpectedShape("a listed container has no id or name")
    props = obj(item.get("properties"), "container properties")
    return BlobContainer(
        account=ctx.subscription_id,
        region=location,
        resource_id=container_id,
        name=name,
        storage_account_id=account_id,
        public_access=string(props, "publicAccess"),
    )


# response shapes -> records ----------------------------------------------------------


def account_properties(raw: Any) -> StorageAccountProperties:
    """``properties`` of a listed account; UnexpectedShape when it cannot be trusted."""
    props = obj(raw, "properties")
    encryption = opt_obj(props, "encryption")
    key_policy = opt_obj(props, "keyPolicy")
    return StorageAccountProperties(
        creation_time=string(props, "creationTime"),
        allow_blob_public_access=boolean(props, "allowBlobPublicAccess"),
        minimum_tls_version=string(props, "minimumTlsVersion"),
        supports_https_traffic_only=boolean(props, "supportsHttpsTrafficOnly"),
        allow_shared_key_access=boolean(props, "allowSharedKeyAccess"),
        public_network_access=string(props, "publicNetworkAccess"),
        allow_cross_tenant_replication=boolean(props, "allowCrossTenantReplication"),
        network_acls=_network_acls(opt_obj(props, "networkAcls")),
        private_endpoint_connections=private_endpoints(props),
        encryption=None if encryption is None else _encryption(encryption),
        key_expiration_period_days=None if key_policy is None else integer(key_policy, "keyExpirationPeriodInDays"),
        sas_policy=_sas_policy(opt_obj(props, "sasPolicy")),
    )


def blob_service_properties(raw: Any) -> BlobServiceProperties:
    props = obj(raw, "blob service properties")
    return BlobServiceProperties(
        delete_retention=_retention(opt_obj(props, "deleteRetentionPolicy")),
        container_delete_retention=_retention(opt_obj(props, "containerDeleteRetentionPolicy")),
        versioning_enabled=boolean(props, "isVersioningEnabled"),
    )


def _network_acls(acls: dict[str, Any] | None) -> NetworkRuleSet | None:
    if acls is None:
        return None
    bypass_text = string(acls, "bypass")
    bypass = None
    if bypass_text is not None:
        bypass = tuple(part.strip() for part in bypass_text.split(",") if part.strip() and part.strip() != "None")
    return NetworkRuleSet(
        default_action=string(acls, "defaultAction"),
        bypass=bypass,
        ip_rules=tuple(str(rule.get("value", "")) for rule in objs(acls.get("ipRules"), "ipRules")),
        virtual_network_rules=tuple(
            str(rule.get("id", "")) for rule in objs(acls.get("virtualNetworkRules"), "virtualNetworkRules")
        ),
        resource_access_rules=tuple(
            str(rule.get("resourceId", ""))
            for rule in objs(acls.get("resourceAccessRules"), "resourceAccessRules")
        ),
    )


def _encryption(encryption: dict[str, Any]) -> StorageEncryption:
    vault = opt_obj(encryption, "keyvaultproperties") or {}
    return StorageEncryption(
        key_source=string(encryption, "keySource"),
        require_infrastructure_encryption=boolean(encryption, "requireInfrastructureEncryption"),
        key_vault_uri=string(vault, "keyvaulturi"),
        key_name=string(vault, "keyname"),
    )


def _sas_policy(policy: dict[str, Any] | None) -> SasPolicy | None:
    if policy is None:
        return None
    period = string(policy, "sasExpirationPeriod")
    if period is None:
        raise UnexpectedShape("sasPolicy has no sasExpirationPeriod")
    return SasPolicy(expiration_period=period, expiration_action=string(policy, "expirationAction"))


def _retention(policy: dict[str, Any] | None) -> RetentionPolicy | None:
    if policy is None:
        return None
    return RetentionPolicy(enabled=bool(boolean(policy, "enabled")), days=integer(policy, "days"))


COLLECTOR = CollectorSpec(
    name="azure.storage",
    provider="azure",
    produces=(ACCOUNT, CONTAINER, BlobDataPlane.TYPE),
    permissions=(
        "Microsoft.Resources/subscriptions/read",
        "Microsoft.Storage/storageAccounts/read",
        "Microsoft.Storage/storageAccounts/blobServices/read",
        "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    ),
    collect=collect,
    record_types=(StorageAccount, BlobContainer, BlobDataPlane),
    calls=(
        Call("Microsoft.Storage", "storageAccounts", pages=True),  # once per subscription
        # not for accounts without a blob service (FileStorage)
        Call("Microsoft.Storage", "storageAccounts/blobServices", StorageAccount.TYPE, conditional=True),
        Call("Microsoft.Storage", "storageAccounts/blobServices/containers", StorageAccount.TYPE,
             conditional=True, pages=True),
        # the opt-in blob data plane (blob.py), named as in the Blob service REST API
        Call("blob", "ListContainers", BlobDataPlane.TYPE, pages=True),
        Call("blob", "GetBlobServiceProperties", BlobDataPlane.TYPE),
        # --probe-anonymous, per container that may be public: a blob's name, then one anonymous request
        Call("blob", "ListBlobs", BlobContainer.TYPE, conditional=True),
        Call("blob", "GetBlobProperties", BlobContainer.TYPE, conditional=True),
    ),
)
