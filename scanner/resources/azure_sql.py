"""Azure SQL records: logical servers (with their Entra administrators, auditing policy
and firewall rules) and their user databases (with transparent data encryption).

As in ``azure.py``: a record-level ``None`` could not be read; inside a read object
``None`` means absent (platform default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class SqlServerProperties:
    minimal_tls_version: str | None = None  # "None", "1.0", "1.1", "1.2" or "1.3"
    public_network_access: str | None = None  # Enabled, Disabled or SecuredByPerimeter
    state: str | None = None


@dataclass(frozen=True)
class SqlAdministrator:
    """One ``servers/{name}/administrators`` entry (the Entra administrator)."""

    administrator_type: str | None  # ActiveDirectory
    login: str | None
    sid: str | None


@dataclass(frozen=True)
class SqlAuditing:
    """``auditingSettings/default``; ``None`` fields were absent."""

    state: str | None  # Enabled or Disabled
    retention_days: int | None  # storage retention; 0 or absent: kept for ever
    storage_endpoint: str | None = None
    azure_monitor_target_enabled: bool | None = None


@dataclass(frozen=True)
class SqlFirewallRule:
    name: str
    start_ip: str | None
    end_ip: str | None


@dataclass(frozen=True, kw_only=True)
class SqlServer(Resource):
    TYPE: ClassVar[str] = "azure.sql.server"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    properties: SqlServerProperties | None = None
    administrators: tuple[SqlAdministrator, ...] | None = None
    auditing: SqlAuditing | None = None
    firewall_rules: tuple[SqlFirewallRule, ...] | None = None
    # user databases listed (master excluded); None: the listing failed
    database_count: int | None = None


@dataclass(frozen=True, kw_only=True)
class SqlDatabase(Resource):
    TYPE: ClassVar[str] = "azure.sql.database"
    PROVIDER: ClassVar[str] = "azure"

    server_id: str
    resource_group: str
    # transparentDataEncryption/current ``state``: Enabled or Disabled; None: unreadable
    tde_state: str | None = None


SQL_RESOURCE_TYPES: tuple[type[Resource], ...] = (SqlServer, SqlDatabase)
