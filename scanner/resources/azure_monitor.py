"""Subscription-wide Azure records: the activity log's diagnostic settings and the
Defender for Cloud plans. One record of each per subscription; a record-level ``None``
means the listing could not be read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class LogCategory:
    category: str
    enabled: bool


@dataclass(frozen=True)
class DiagnosticSetting:
    name: str
    storage_account_id: str | None = None
    workspace_id: str | None = None
    event_hub_authorization_rule_id: str | None = None
    marketplace_partner_id: str | None = None
    logs: tuple[LogCategory, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ActivityLogSettings(Resource):
    TYPE: ClassVar[str] = "azure.monitor.activity_log"
    PROVIDER: ClassVar[str] = "azure"

    settings: tuple[DiagnosticSetting, ...] | None = None


@dataclass(frozen=True)
class DefenderPricing:
    name: str  # VirtualMachines, StorageAccounts, SqlServers, KeyVaults, ...
    pricing_tier: str | None  # Standard or Free
    sub_plan: str | None = None


@dataclass(frozen=True, kw_only=True)
class DefenderPlans(Resource):
    TYPE: ClassVar[str] = "azure.defender.pricings"
    PROVIDER: ClassVar[str] = "azure"

    pricings: tuple[DefenderPricing, ...] | None = None


MONITOR_RESOURCE_TYPES: tuple[type[Resource], ...] = (ActivityLogSettings, DefenderPlans)
