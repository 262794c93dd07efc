"""Azure network security groups, Network Watchers and NSG flow logs.

Per subscription: one paged listing of ``Microsoft.Network/networkSecurityGroups``
(rules and default rules come inline), one paged listing of
``Microsoft.Network/networkWatchers``, then per watcher (in ``ctx.pool``) one paged
``GET {watcher}/flowLogs``. A failed listing is a scope-level error; a failed flow log
listing leaves that watcher's ``flow_logs`` None.
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
    read_child,
    record_failure,
    resource_group_of,
    string,
    strs,
    tags,
)
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.azure_network import FlowLog, NetworkSecurityGroup, NetworkWatcher, NsgRule

SERVICE = "network"
NSG_API = API_VERSIONS["Microsoft.Network/networkSecurityGroups"]
WATCHER_API = API_VERSIONS["Microsoft.Network/networkWatchers"]
FLOW_LOG_API = API_VERSIONS["Microsoft.Network/networkWatchers/flowLogs"]


def collect(ctx: AzureContext, result: CollectResult) -> None:
    groups = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.Network/networkSecurityGroups",
                        NSG_API, service=SERVICE, operation="NetworkSecurityGroups_ListAll",
                        resource_types=(NetworkSecurityGroup.TYPE,))
    for item in groups or ():
        _add_group(ctx, result, item)
    watchers = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.Network/networkWatchers",
                          WATCHER_API, service=SERVICE, operation="NetworkWatchers_ListAll",
                          resource_types=(NetworkWatcher.TYPE,))
    if watchers is not None:
        ctx.pool.run(lambda item: _add_watcher(ctx, result, item), watchers)


def _add_group(ctx: AzureContext, result: CollectResult, item: dict[str, Any]) -> None:
    try:
        group_id, name, location = identity(item, "network security group")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="NetworkSecurityGroups_ListAll",
                       resource_type=NetworkSecurityGroup.TYPE)
        return
    rules: tuple[NsgRule, ...] | None
    defaults: tuple[NsgRule, ...] | None
    try:
        props = obj(item.get("properties"), "properties")
        rules = tuple(nsg_rule(raw, default=False) for raw in objs(props.get("securityRules"), "securityRules"))
        defaults = tuple(nsg_rule(raw, default=True)
                         for raw in objs(props.get("defaultSecurityRules"), "defaultSecurityRules"))
    except UnexpectedShape as exc:
        rules = defaults = None
        record_failure(ctx, result, exc, service=SERVICE, operation="NetworkSecurityGroups_ListAll",
                       resource_type=NetworkSecurityGroup.TYPE, resource_id=group_id, region=location)
    result.add(NetworkSecurityGroup(
        account=ctx.subscription_id, region=location, resource_id=group_id, name=name, tags=tags(item.get("tags")),
        resource_group=resource_group_of(group_id), security_rules=rules, default_security_rules=defaults,
    ))


def nsg_rule(raw: dict[str, Any], *, default: bool) -> NsgRule:
    """One entry of securityRules / defaultSecurityRules; both address and port forms
    (singular and plural) merged."""
    props = obj(raw.get("properties"), "security rule properties")
    name = raw.get("name")
    return NsgRule(
        name=name if isinstance(name, str) else str(raw.get("id", "")).rsplit("/", 1)[-1],
        priority=integer(props, "priority"),
        direction=string(props, "direction"),
        access=string(props, "access"),
        protocol=string(props, "protocol"),
        source_prefixes=_merged(props, "sourceAddressPrefix", "sourceAddressPrefixes"),
        source_asgs=_ids(props, "sourceApplicationSecurityGroups"),
        destination_prefixes=_merged(props, "destinationAddressPrefix", "destinationAddressPrefixes"),
        destination_asgs=_ids(props, "destinationApplicationSecurityGroups"),
        destination_ports=_merged(props, "destinationPortRange", "destinationPortRanges"),
        default=default,
    )


def _merged(props: dict[str, Any], single: str, plural: str) -> tuple[str, ...]:
    one = string(props, single)
    return tuple(dict.fromkeys(([one] if one else []) + list(strs(props, plural))))


def _ids(props: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(group.get("id", "")) for group in objs(props.get(key), key))


def _add_watcher(ctx: AzureContext, result: CollectResult, item: dict[str, Any]) -> None:
    try:
        watcher_id, name, location = identity(item, "network watcher")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="NetworkWatchers_ListAll",
                       resource_type=NetworkWatcher.TYPE)
        return
    state: str | None
    try:
        state = string(obj(item.get("properties"), "properties"), "provisioningState")
    except UnexpectedShape as exc:
        state = None
        record_failure(ctx, result, exc, service=SERVICE, operation="NetworkWatchers_ListAll",
                       resource_type=NetworkWatcher.TYPE, resource_id=watcher_id, region=location)
    flow_logs = read_child(
        ctx, result, lambda: tuple(flow_log(raw) for raw in ctx.reader.list(f"{watcher_id}/flowLogs", FLOW_LOG_API)),
        service=SERVICE, operation="FlowLogs_List", resource_type=NetworkWatcher.TYPE, resource_id=watcher_id,
        region=location,
    )
    result.add(NetworkWatcher(
        account=ctx.subscription_id, region=location, resource_id=watcher_id, name=name, tags=tags(item.get("tags")),
        resource_group=resource_group_of(watcher_id), provisioning_state=state, flow_logs=flow_logs,
    ))


def flow_log(raw: dict[str, Any]) -> FlowLog:
    flow_id = raw.get("id")
    if not isinstance(flow_id, str) or not flow_id:
        raise UnexpectedShape("a listed flow log has no id")
    props = obj(raw.get("properties"), "flow log properties")
    retention = opt_obj(props, "retentionPolicy") or {}
    analytics = opt_obj(opt_obj(props, "flowAnalyticsConfiguration") or {},
                        "networkWatcherFlowAnalyticsConfiguration") or {}
    return FlowLog(
        id=flow_id,
        name=str(raw.get("name") or flow_id.rsplit("/", 1)[-1]),
        target_resource_id=string(props, "targetResourceId"),
        enabled=boolean(props, "enabled"),
        retention_enabled=boolean(retention, "enabled"),
        retention_days=integer(retention, "days"),
        storage_id=string(props, "storageId"),
        traffic_analytics_enabled=boolean(analytics, "enabled"),
    )


COLLECTOR = CollectorSpec(
    name="azure.network",
    provider="azure",
    produces=(NetworkSecurityGroup.TYPE, NetworkWatcher.TYPE),
    permissions=(
        "Microsoft.Network/networkSecurityGroups/read",
        "Microsoft.Network/networkWatchers/read",
        "Microsoft.Network/networkWatchers/flowLogs/read",
    ),
    collect=collect,
    record_types=(NetworkSecurityGroup, NetworkWatcher),
    calls=(
        Call("Microsoft.Network", "networkSecurityGroups", pages=True),
        Call("Microsoft.Network", "networkWatchers", pages=True),
        Call("Microsoft.Network", "networkWatchers/flowLogs", NetworkWatcher.TYPE, pages=True),
    ),
)
