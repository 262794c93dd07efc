"""Subscription-wide settings: the activity log's diagnostic settings and the Defender
for Cloud plans.

Per subscription: one paged ``GET .../providers/Microsoft.Insights/diagnosticSettings``
and one paged ``GET .../providers/Microsoft.Security/pricings``. Each gives one record
for the subscription; a failed read leaves its list None (ERROR), never empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scanner.collect.azure.arm import API_VERSIONS
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.reads import UnexpectedShape, boolean, obj, objs, read_child, string
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.azure_monitor import (
    ActivityLogSettings,
    DefenderPlans,
    DefenderPricing,
    DiagnosticSetting,
    LogCategory,
)

SERVICE = "monitor"
DIAGNOSTICS_API = API_VERSIONS["Microsoft.Insights/diagnosticSettings"]
PRICINGS_API = API_VERSIONS["Microsoft.Security/pricings"]
T = TypeVar("T")


def collect(ctx: AzureContext, result: CollectResult) -> None:
    settings_path = f"{ctx.subscription_path}/providers/Microsoft.Insights/diagnosticSettings"
    result.add(ActivityLogSettings(
        account=ctx.subscription_id, region="global", resource_id=settings_path, name="activity log",
        settings=_read_all(ctx, result, settings_path, DIAGNOSTICS_API, diagnostic_setting,
                           "SubscriptionDiagnosticSettings_List", ActivityLogSettings.TYPE),
    ))
    pricings_path = f"{ctx.subscription_path}/providers/Microsoft.Security/pricings"
    result.add(DefenderPlans(
        account=ctx.subscription_id, region="global", resource_id=pricings_path, name="Defender for Cloud plans",
        pricings=_read_all(ctx, result, pricings_path, PRICINGS_API, pricing, "Pricings_List", DefenderPlans.TYPE),
    ))


def _read_all(ctx: AzureContext, result: CollectResult, path: str, api: str, parse: Callable[[dict[str, Any]], T],
              operation: str, resource_type: str) -> tuple[T, ...] | None:
    return read_child(ctx, result, lambda: tuple(parse(raw) for raw in ctx.reader.list(path, api)),
                      service=SERVICE, operation=operation, resource_type=resource_type, resource_id=path,
                      region="global")


def diagnostic_setting(raw: dict[str, Any]) -> DiagnosticSetting:
    props = obj(raw.get("properties"), "diagnostic setting properties")
    logs = []
    for entry in objs(props.get("logs"), "logs"):
        category = string(entry, "category") or string(entry, "categoryGroup")
        if category is None:
            raise UnexpectedShape("a log entry names no category")
        logs.append(LogCategory(category=category, enabled=bool(boolean(entry, "enabled"))))
    return DiagnosticSetting(
        name=str(raw.get("name", "")),
        storage_account_id=string(props, "storageAccountId"),
        workspace_id=string(props, "workspaceId"),
        event_hub_authorization_rule_id=string(props, "eventHubAuthorizationRuleId"),
        marketplace_partner_id=string(props, "marketplacePartnerId"),
        logs=tuple(logs),
    )


def pricing(raw: dict[str, Any]) -> DefenderPricing:
    props = obj(raw.get("properties"), "pricing properties")
    return DefenderPricing(name=str(raw.get("name", "")), pricing_tier=string(props, "pricingTier"),
                           sub_plan=string(props, "subPlan"))


COLLECTOR = CollectorSpec(
    name="azure.monitor",
    provider="azure",
    produces=(ActivityLogSettings.TYPE, DefenderPlans.TYPE),
    permissions=("Microsoft.Insights/DiagnosticSettings/Read", "Microsoft.Security/pricings/read"),
    collect=collect,
    record_types=(ActivityLogSettings, DefenderPlans),
    calls=(
        Call("Microsoft.Insights", "diagnosticSettings", pages=True),
        Call("Microsoft.Security", "pricings", pages=True),
    ),
)
