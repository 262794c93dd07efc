"""Azure SQL logical servers and their user databases.

Per subscription: one paged ``GET .../providers/Microsoft.Sql/servers``. Per server (in
``ctx.pool``): ``GET {server}/administrators`` (paged), ``GET {server}/auditingSettings/
default``, ``GET {server}/firewallRules`` (paged) and ``GET {server}/databases`` (paged).
Then, in a second flat batch, per user database ``GET {database}/
transparentDataEncryption/current``. ``master`` is a system database whose encryption
is not configurable: it is neither recorded nor read.
"""

from __future__ import annotations

import threading
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
    read_child,
    record_failure,
    resource_group_of,
    string,
    tags,
)
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.azure_sql import (
    SqlAdministrator,
    SqlAuditing,
    SqlDatabase,
    SqlFirewallRule,
    SqlServer,
    SqlServerProperties,
)

SERVICE = "sql"
SERVER_API = API_VERSIONS["Microsoft.Sql/servers"]
ADMIN_API = API_VERSIONS["Microsoft.Sql/servers/administrators"]
AUDITING_API = API_VERSIONS["Microsoft.Sql/servers/auditingSettings"]
FIREWALL_API = API_VERSIONS["Microsoft.Sql/servers/firewallRules"]
DATABASE_API = API_VERSIONS["Microsoft.Sql/servers/databases"]
TDE_API = API_VERSIONS["Microsoft.Sql/servers/databases/transparentDataEncryption"]
SYSTEM_DATABASES = frozenset({"master"})
_BATCH_LOCK = threading.Lock()


def collect(ctx: AzureContext, result: CollectResult) -> None:
    servers = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.Sql/servers", SERVER_API,
                         service=SERVICE, operation="Servers_List", resource_types=(SqlServer.TYPE, SqlDatabase.TYPE))
    if servers is None:
        return
    databases: list[tuple[SqlServer, dict[str, Any]]] = []
    ctx.pool.run(lambda item: _add_server(ctx, result, item, databases), servers)
    ctx.pool.run(lambda pair: _add_database(ctx, result, *pair), list(databases))


def _add_server(ctx: AzureContext, result: CollectResult, item: dict[str, Any],
                databases: list[tuple[SqlServer, dict[str, Any]]]) -> None:
    try:
        server_id, name, location = identity(item, "SQL server")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="Servers_List", resource_type=SqlServer.TYPE)
        return
    properties: SqlServerProperties | None
    try:
        props = obj(item.get("properties"), "properties")
        properties = SqlServerProperties(minimal_tls_version=string(props, "minimalTlsVersion"),
                                         public_network_access=string(props, "publicNetworkAccess"),
                                         state=string(props, "state"))
    except UnexpectedShape as exc:
        properties = None
        record_failure(ctx, result, exc, service=SERVICE, operation="Servers_List", resource_type=SqlServer.TYPE,
                       resource_id=server_id, region=location)

    def child(operation: str, func: Any, resource_type: str = SqlServer.TYPE) -> Any:
        return read_child(ctx, result, func, service=SERVICE, operation=operation, resource_type=resource_type,
                          resource_id=server_id, region=location)

    administrators = child("ServerAzureADAdministrators_ListByServer", lambda: tuple(
        _administrator(raw) for raw in ctx.reader.list(f"{server_id}/administrators", ADMIN_API)))
    auditing = child("ServerBlobAuditingPolicies_Get", lambda: auditing_policy(
        ctx.reader.get(f"{server_id}/auditingSettings/default", AUDITING_API)))
    firewall = child("FirewallRules_ListByServer", lambda: tuple(
        _firewall_rule(raw) for raw in ctx.reader.list(f"{server_id}/firewallRules", FIREWALL_API)))
    listed: list[dict[str, Any]] | None = child("Databases_ListByServer", lambda: [
        raw for raw in ctx.reader.list(f"{server_id}/databases", DATABASE_API)
        if str(raw.get("name", "")).lower() not in SYSTEM_DATABASES], SqlDatabase.TYPE)
    server = SqlServer(
        account=ctx.subscription_id, region=location, resource_id=server_id, name=name, tags=tags(item.get("tags")),
        resource_group=resource_group_of(server_id), properties=properties, administrators=administrators,
        auditing=auditing, firewall_rules=firewall, database_count=None if listed is None else len(listed),
    )
    result.add(server)
    with _BATCH_LOCK:  # the batch list is shared by the pool's threads
        databases.extend((server, raw) for raw in listed or ())


def _administrator(raw: dict[str, Any]) -> SqlAdministrator:
    props = obj(raw.get("properties"), "administrator properties")
    return SqlAdministrator(administrator_type=string(props, "administratorType"), login=string(props, "login"),
                            sid=string(props, "sid"))


def auditing_policy(raw: dict[str, Any]) -> SqlAuditing:
    props = obj(raw.get("properties"), "auditing properties")
    return SqlAuditing(state=string(props, "state"), retention_days=integer(props, "retentionDays"),
                       storage_endpoint=string(props, "storageEndpoint"),
                       azure_monitor_target_enabled=boolean(props, "isAzureMonitorTargetEnabled"))


def _firewall_rule(raw: dict[str, Any]) -> SqlFirewallRule:
    props = obj(raw.get("properties"), "firewall rule properties")
    return SqlFirewallRule(name=str(raw.get("name", "")), start_ip=string(props, "startIpAddress"),
                           end_ip=string(props, "endIpAddress"))


def _add_database(ctx: AzureContext, result: CollectResult, server: SqlServer, item: dict[str, Any]) -> None:
    try:
        database_id, name, location = identity(item, "database")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="Databases_ListByServer",
                       resource_type=SqlDatabase.TYPE, resource_id=server.resource_id, region=server.region)
        return
    if location == "global":
        location = server.region
    state = read_child(
        ctx, result, lambda: tde_state(ctx.reader.get(f"{database_id}/transparentDataEncryption/current", TDE_API)),
        service=SERVICE, operation="TransparentDataEncryptions_Get", resource_type=SqlDatabase.TYPE,
        resource_id=database_id, region=location,
    )
    result.add(SqlDatabase(
        account=ctx.subscription_id, region=location, resource_id=database_id, name=name,
        tags=tags(item.get("tags")), server_id=server.resource_id, resource_group=server.resource_group,
        tde_state=state,
    ))


def tde_state(raw: dict[str, Any]) -> str:
    state = string(obj(raw.get("properties"), "TDE properties"), "state")
    if state is None:  # documented as always present: an answer without it is not trusted
        raise UnexpectedShape("transparentDataEncryption has no state")
    return state


COLLECTOR = CollectorSpec(
    name="azure.sql",
    provider="azure",
    produces=(SqlServer.TYPE, SqlDatabase.TYPE),
    permissions=(
        "Microsoft.Sql/servers/read",
        "Microsoft.Sql/servers/administrators/read",
        "Microsoft.Sql/servers/auditingSettings/read",
        "Microsoft.Sql/servers/firewallRules/read",
        "Microsoft.Sql/servers/databases/read",
        "Microsoft.Sql/servers/databases/transparentDataEncryption/read",
    ),
    collect=collect,
    record_types=(SqlServer, SqlDatabase),
    calls=(
        Call("Microsoft.Sql", "servers", pages=True),
        Call("Microsoft.Sql", "servers/administrators", SqlServer.TYPE, pages=True),
        Call("Microsoft.Sql", "servers/auditingSettings", SqlServer.TYPE),
        Call("Microsoft.Sql", "servers/firewallRules", SqlServer.TYPE, pages=True),
        Call("Microsoft.Sql", "servers/databases", SqlServer.TYPE, pages=True),
        Call("Microsoft.Sql", "servers/databases/transparentDataEncryption", SqlDatabase.TYPE),
    ),
)
