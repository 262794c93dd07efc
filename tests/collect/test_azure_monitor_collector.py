"""The subscription-wide collector (activity log diagnostic settings, Defender plans)
against the local HTTPS Resource Manager."""

from __future__ import annotations

from collections.abc import Callable

from scanner import runner
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.monitor import COLLECTOR
from scanner.resources.azure_monitor import (
    ActivityLogSettings,
    DefenderPlans,
    DefenderPricing,
    DiagnosticSetting,
    LogCategory,
)
from scanner.snapshot import Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "0000000a-0000-0000-0000-00000000000a"
SUB_B = "0000000b-0000-0000-0000-00000000000b"
SETTINGS = "/providers/Microsoft.Insights/diagnosticSettings"
PRICINGS = "/providers/Microsoft.Security/pricings"


def collect(contexts: list[AzureContext]) -> Snapshot:
    return runner.collect([(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts], [COLLECTOR])


def test_settings_and_plans_per_subscription_with_one_forbidden_read(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 1
    for sub in (SUB_A, SUB_B):
        arm.model.add_subscription(sub)
        arm.model.set_pricings(sub, {"VirtualMachines": "Standard", "KeyVaults": "Free"})
    arm.model.set_activity_log_settings(SUB_A, {"to-law": {
        "workspaceId": "/w/1", "logs": [{"category": "Administrative", "enabled": True},
                                        {"category": "Policy", "enabled": False},
                                        {"categoryGroup": "allLogs", "enabled": True}]}})
    arm.fail(f"/subscriptions/{SUB_B}{SETTINGS}", status=403, code="AuthorizationFailed")

    snap = collect(open_azure())

    logs = {r.account: r for r in snap.resources(ActivityLogSettings)}
    assert logs[SUB_A] == ActivityLogSettings(
        account=SUB_A, region="global", resource_id=f"/subscriptions/{SUB_A}{SETTINGS}", name="activity log",
        settings=(DiagnosticSetting("to-law", workspace_id="/w/1", logs=(
            LogCategory("Administrative", True), LogCategory("Policy", False), LogCategory("allLogs", True))),))
    assert logs[SUB_B].settings is None  # unread, never "no settings"
    plans = {r.account: r.pricings for r in snap.resources(DefenderPlans)}
    assert plans == {sub: (DefenderPricing("VirtualMachines", "Standard"), DefenderPricing("KeyVaults", "Free"))
                     for sub in (SUB_A, SUB_B)}
    assert [(e.account, e.operation, e.code, e.resource_id) for e in snap.errors] == [
        (SUB_B, "SubscriptionDiagnosticSettings_List", "AuthorizationFailed", f"/subscriptions/{SUB_B}{SETTINGS}")]
    calls = arm.calls()
    assert calls[f"/subscriptions/{SUB_A}{PRICINGS}"] == 2  # two pages of one
    assert calls[f"/subscriptions/{SUB_A}{SETTINGS}"] == 1
    assert arm.methods() == {"GET"}
