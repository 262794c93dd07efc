"""The Azure network collector (NSGs, Network Watchers, flow logs) against the local
HTTPS Resource Manager (tests/azure_arm.py), through the real SDK pipeline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner import runner
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.network import COLLECTOR
from scanner.resources.azure_network import FlowLog, NetworkSecurityGroup, NetworkWatcher, NsgRule
from scanner.snapshot import Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "0000000a-0000-0000-0000-00000000000a"
SUB_B = "0000000b-0000-0000-0000-00000000000b"
NSGS = "/providers/Microsoft.Network/networkSecurityGroups"
WATCHERS = "/providers/Microsoft.Network/networkWatchers"


def collect(contexts: list[AzureContext]) -> Snapshot:
    return runner.collect([(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts], [COLLECTOR])


def by_name(snap: Snapshot, kind: type[Any]) -> dict[str, Any]:
    return {record.name: record for record in snap.resources(kind)}


def test_groups_rules_watchers_and_flow_logs_field_by_field(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    web = arm.model.add_nsg(SUB_A, "web", [
        {"name": "ssh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
         "sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationAddressPrefix": "*",
         "destinationPortRange": "22"},
        {"name": "lists", "priority": 110, "direction": "Inbound", "access": "Deny", "protocol": "*",
         "sourceAddressPrefixes": ["0.0.0.0/0", "::/0"], "sourcePortRange": "*",
         "destinationAddressPrefixes": ["10.0.0.4", "10.0.0.5"], "destinationPortRanges": ["3389", "5000-5100"],
         "sourceApplicationSecurityGroups": [{"id": "/asg/a"}]},
    ], location="northeurope")
    watcher = arm.model.add_network_watcher(SUB_A, "northeurope", [
        {"name": "web-log", "targetResourceId": web, "enabled": True, "storageId": "/sa/logs",
         "retentionPolicy": {"days": 120, "enabled": True},
         "flowAnalyticsConfiguration": {"networkWatcherFlowAnalyticsConfiguration": {"enabled": False}}},
        {"name": "bare-log", "targetResourceId": "/nsg/other", "enabled": False},
    ])

    snap = collect(open_azure())

    assert snap.errors == ()
    group = by_name(snap, NetworkSecurityGroup)["web"]
    assert (group.account, group.region, group.resource_id, group.resource_group) == (SUB_A, "northeurope", web,
                                                                                      "rg-net")
    assert group.security_rules == (
        NsgRule("ssh", 100, "Inbound", "Allow", "Tcp", ("Internet",), (), ("*",), (), ("22",)),
        NsgRule("lists", 110, "Inbound", "Deny", "*", ("0.0.0.0/0", "::/0"), ("/asg/a",), ("10.0.0.4", "10.0.0.5"),
                (), ("3389", "5000-5100")),
    )
    assert group.default_security_rules is not None and len(group.default_security_rules) == 6
    assert all(rule.default for rule in group.default_security_rules)
    assert group.default_security_rules[2] == NsgRule("DenyAllInBound", 65500, "Inbound", "Deny", "*", ("*",), (),
                                                      ("*",), (), ("*",), True)
    found = by_name(snap, NetworkWatcher)["NetworkWatcher_northeurope"]
    assert found == NetworkWatcher(
        account=SUB_A, region="northeurope", resource_id=watcher, name="NetworkWatcher_northeurope", tags={},
        resource_group="NetworkWatcherRG", provisioning_state="Succeeded",
        flow_logs=(FlowLog(f"{watcher}/flowLogs/web-log", "web-log", web, True, True, 120, "/sa/logs", False),
                   FlowLog(f"{watcher}/flowLogs/bare-log", "bare-log", "/nsg/other", False, None, None)),
    )
    calls = arm.calls()
    assert calls[f"/subscriptions/{SUB_A}{NSGS}"] == 1 and calls[f"/subscriptions/{SUB_A}{WATCHERS}"] == 1
    assert calls[f"{watcher}/flowLogs"] == 1
    assert arm.methods() == {"GET"}


def test_paging_and_a_forbidden_listing_in_one_subscription(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    for sub in (SUB_A, SUB_B):
        arm.model.add_subscription(sub)
        for index in range(5):
            arm.model.add_nsg(sub, f"nsg{index}", [])
        arm.model.add_network_watcher(sub, "westeurope", [{"name": f"log{n}", "targetResourceId": "/x",
                                                            "enabled": True} for n in range(3)])
    arm.fail(f"/subscriptions/{SUB_B}{NSGS}", status=403, code="AuthorizationFailed")

    snap = collect(open_azure())

    assert sorted(g.name for g in snap.resources(NetworkSecurityGroup)) == [f"nsg{i}" for i in range(5)]
    assert {g.account for g in snap.resources(NetworkSecurityGroup)} == {SUB_A}
    assert {(e.account, e.resource_type, e.code, e.resource_id) for e in snap.errors} == {
        (SUB_B, "azure.network.nsg", "AuthorizationFailed", None)}
    # the watchers of the forbidden subscription are still read, with every flow log page
    assert {(w.account, len(w.flow_logs or ())) for w in snap.resources(NetworkWatcher)} == {(SUB_A, 3), (SUB_B, 3)}
    assert arm.calls()[f"/subscriptions/{SUB_A}{NSGS}"] == 3  # three pages of two
    assert arm.methods() == {"GET"}


def test_failed_flow_log_listing_leaves_that_watcher_unread(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    broken = arm.model.add_network_watcher(SUB_A, "eastus", [{"name": "l", "targetResourceId": "/x"}])
    arm.model.add_network_watcher(SUB_A, "westus", [])
    arm.fail("NetworkWatcher_eastus/flowLogs$", status=500, code="InternalServerError")
    arm.model.add_nsg(SUB_A, "odd", [{"name": "r", "priority": "high", "direction": "Inbound"}])

    snap = collect(open_azure(retry_total=0))

    watchers = by_name(snap, NetworkWatcher)
    assert watchers["NetworkWatcher_eastus"].flow_logs is None and watchers["NetworkWatcher_westus"].flow_logs == ()
    assert by_name(snap, NetworkSecurityGroup)["odd"].security_rules is None  # a priority that is not a number
    assert {(e.operation, e.code, e.resource_id) for e in snap.errors} == {
        ("FlowLogs_List", "InternalServerError", broken),
        ("NetworkSecurityGroups_ListAll", "MalformedResponse", by_name(snap, NetworkSecurityGroup)["odd"].resource_id),
    }
