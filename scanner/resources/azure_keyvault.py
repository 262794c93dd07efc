"""Azure Key Vault records, from the management plane only: vault properties as
listed per subscription, and the attributes (never the values) of its keys and secrets.

As in ``azure.py``: a record-level ``None`` could not be read; inside
``KeyVaultProperties`` and ``VaultItem`` ``None`` means absent (platform default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.azure import PrivateEndpointConnection
from scanner.resources.base import Resource


@dataclass(frozen=True)
class VaultNetworkAcls:
    default_action: str | None  # Allow or Deny (absent: Allow)
    bypass: str | None  # AzureServices or None
    ip_rules: tuple[str, ...] = ()
    virtual_network_rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyVaultProperties:
    enable_soft_delete: bool | None = None
    soft_delete_retention_days: int | None = None
    enable_purge_protection: bool | None = None
    enable_rbac_authorization: bool | None = None
    public_network_access: str | None = None  # Enabled or Disabled (Resource Manager accepts any case)
    network_acls: VaultNetworkAcls | None = None
    private_endpoint_connections: tuple[PrivateEndpointConnection, ...] = ()


@dataclass(frozen=True)
class VaultItem:
    """A key or secret's ``properties.attributes``: no value is ever read."""

    name: str
    enabled: bool | None  # absent: enabled
    expires: int | None  # ``exp``, seconds since 1970; None: no expiry date


@dataclass(frozen=True, kw_only=True)
class KeyVault(Resource):
    TYPE: ClassVar[str] = "azure.keyvault.vault"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    api_version: str
    properties: KeyVaultProperties | None = None  # None: unreadable
    keys: tuple[VaultItem, ...] | None = None  # None: the keys collection could not be listed
    secrets: tuple[VaultItem, ...] | None = None  # None: the secrets collection could not be listed


KEYVAULT_RESOURCE_TYPES: tuple[type[Resource], ...] = (KeyVault,)
