"""Azure resource records.

``account`` is the subscription id, ``region`` the resource's location and
``resource_id`` its ARM id, as Resource Manager returned it.

Two kinds of "nothing" are kept apart:

* A field typed ``X | None`` at the record level (``StorageAccount.properties``,
  ``blob_service``, ``container_count``) is ``None`` when it **could not be read**; the
  matching CollectionError is in the snapshot and checks report ERROR.
* Inside a read object (``StorageAccountProperties``, ``BlobServiceProperties``, ...)
  ``None`` means the property was **absent** from Resource Manager's answer. The
  platform then applies its default; the checks resolve it (``checks/azure/storage/
  defaults.py``) and say in the finding which default applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class NetworkRuleSet:
    """``properties.networkAcls``. ``None`` fields were absent (Azure: defaultAction
    Allow, bypass AzureServices)."""

    default_action: str | None  # Allow or Deny
    # parsed from the comma-separated ``bypass`` string ("Logging, Metrics, AzureServices");
    # "None" gives ()
    bypass: tuple[str, ...] | None
    ip_rules: tuple[str, ...] = ()  # ipRules[].value: addresses or CIDR ranges allowed
    virtual_network_rules: tuple[str, ...] = ()  # virtualNetworkRules[].id: subnets allowed
    resource_access_rules: tuple[str, ...] = ()  # resourceAccessRules[].resourceId


@dataclass(frozen=True)
class PrivateEndpointConnection:
    id: str
    private_endpoint_id: str | None
    status: str | None  # privateLinkServiceConnectionState.status: Approved, Pending, Rejected, Disconnected


@dataclass(frozen=True)
class StorageEncryption:
    """``properties.encryption``; ``None`` fields were absent (Microsoft-managed keys,
    no infrastructure encryption)."""

    key_source: str | None  # Microsoft.Storage or Microsoft.Keyvault
    require_infrastructure_encryption: bool | None
    key_vault_uri: str | None = None
    key_name: str | None = None


@dataclass(frozen=True)
class SasPolicy:
    """``properties.sasPolicy``: the longest validity a SAS should have."""

    expiration_period: str  # "d.hh:mm:ss", e.g. "1.00:00:00"
    expiration_action: str | None  # Log or Block; absent means Log


@dataclass(frozen=True)
class StorageAccountProperties:
    """The account's ``properties`` as listed. Every ``None`` means "absent from the
    answer": the platform default for it applies (resolved by the checks)."""

    creation_time: str | None = None
    allow_blob_public_access: bool | None = None
    minimum_tls_version: str | None = None  # TLS1_0, TLS1_1, TLS1_2 or TLS1_3
    supports_https_traffic_only: bool | None = None
    allow_shared_key_access: bool | None = None
    public_network_access: str | None = None  # Enabled, Disabled or SecuredByPerimeter
    allow_cross_tenant_replication: bool | None = None
    network_acls: NetworkRuleSet | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()
    encryption: StorageEncryption | None = None
    key_expiration_period_days: int | None = None  # keyPolicy.keyExpirationPeriodInDays (rotation reminder)
    sas_policy: SasPolicy | None = None


@dataclass(frozen=True)
class RetentionPolicy:
    enabled: bool
    days: int | None  # absent when disabled


@dataclass(frozen=True)
class BlobServiceProperties:
    """``blobServices/default`` properties; ``None`` fields were absent (off)."""

    delete_retention: RetentionPolicy | None = None  # deleteRetentionPolicy (blob soft delete)
    container_delete_retention: RetentionPolicy | None = None  # containerDeleteRetentionPolicy
    versioning_enabled: bool | None = None  # isVersioningEnabled


@dataclass(frozen=True, kw_only=True)
class StorageAccount(Resource):
    TYPE: ClassVar[str] = "azure.storage.account"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    kind: str | None = None  # StorageV2, Storage, BlobStorage, BlockBlobStorage, FileStorage
    sku: str | None = None  # e.g. Standard_GRS
    # the api-version the account was read with: absent properties take its defaults
    api_version: str
    # None: the listing gave no usable properties object for this account
    properties: StorageAccountProperties | None = None
    # None: blobServices/default could not be read (or was not read: kinds without a
    # blob service, such as FileStorage, which the blob checks skip)
    blob_service: BlobServiceProperties | None = None
    # how many containers were listed; None: the container listing failed
    container_count: int | None = None


@dataclass(frozen=True, kw_only=True)
class BlobContainer(Resource):
    TYPE: ClassVar[str] = "azure.storage.container"
    PROVIDER: ClassVar[str] = "azure"

    storage_account_id: str  # the owning account's resource_id, exactly as listed
    public_access: str | None = None  # None, Blob or Container; absent means None (private)
    # evidence from the opt-in anonymous probe (--probe-anonymous). None: not probed, which
    # is the normal case; the verdict then rests on the settings alone
    anonymous_probe: AnonymousProbe | None = None


@dataclass(frozen=True)
class AnonymousProbe:
    """One request made without any credential, as evidence of real exposure.

    ``probe`` is "anonymous-list" (List Blobs, one result at most) or
    "anonymous-blob-properties" (Get Blob Properties, a HEAD: never the content).
    ``http_status`` is None when no HTTP answer came back (connection refused, timeout);
    ``error_code`` is the storage error code (x-ms-error-code) or the transport failure."""

    probe: str
    http_status: int | None
    error_code: str | None
    at: str  # ISO 8601, UTC


@dataclass(frozen=True)
class BlobLogging:
    """Storage Analytics logging of the blob service (Get Blob Service Properties)."""

    read: bool
    write: bool
    delete: bool
    retention: RetentionPolicy


@dataclass(frozen=True)
class BlobServiceSettings:
    """What the data plane's Get Blob Service Properties returns that matters here.
    Versioning is not part of it (Resource Manager's ``isVersioningEnabled`` is)."""

    logging: BlobLogging
    delete_retention: RetentionPolicy
    static_website_enabled: bool


@dataclass(frozen=True)
class DataPlaneContainer:
    name: str
    public_access: str  # None, Blob or Container, as List Containers reports it


@dataclass(frozen=True, kw_only=True)
class BlobDataPlane(Resource):
    """One account's blob service as its own endpoint answers (azure-storage-blob), read
    only with ``--blob-data-plane`` or ``--probe-anonymous``. ``resource_id`` is the
    account's id plus ``/blobServices/default``."""

    TYPE: ClassVar[str] = "azure.storage.blob_data_plane"
    PROVIDER: ClassVar[str] = "azure"

    storage_account_id: str
    endpoint: str  # the blob endpoint read (a URL; never carries a credential)
    # None: List Containers failed (a CollectionError names it)
    containers: tuple[DataPlaneContainer, ...] | None = None
    # None: Get Blob Service Properties failed
    service: BlobServiceSettings | None = None


AZURE_RESOURCE_TYPES: tuple[type[Resource], ...] = (StorageAccount, BlobContainer, BlobDataPlane)
