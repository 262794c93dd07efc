"""The subscription's activity log is exported, with the categories CIS asks for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_monitor import ActivityLogSettings, DiagnosticSetting
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_monitor_activity_log_diagnostic_setting",
    title="Activity log has a diagnostic setting capturing Administrative, Security, Policy and Alert",
    severity=Severity.MEDIUM,
    provider="azure",
    service="monitor",
    requires=(ActivityLogSettings.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "6.1.1"), ComplianceRef("cis-azure", "3.0.0", "6.1.2"),
                ComplianceRef("cis-azure", "4.0.0", "7.1.1.1"), ComplianceRef("cis-azure", "4.0.0", "7.1.1.2")),
    remediation="az monitor diagnostic-settings subscription create --name <name> --location <location> "
                "--workspace <workspace id> --logs '[{\"category\":\"Administrative\",\"enabled\":true}, ...]'",
    references=("https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log",),
    description=(
        "The activity log keeps 90 days by itself. A setting counts when it has a destination; the categories "
        "enabled across such settings must include Administrative, Security, Policy and Alert (the category "
        "group allLogs covers them all)."
    ),
)
REQUIRED = ("Administrative", "Alert", "Policy", "Security")
ALL_LOGS_GROUPS = frozenset({"alllogs"})


def has_destination(setting: DiagnosticSetting) -> bool:
    return any((setting.storage_account_id, setting.workspace_id, setting.event_hub_authorization_rule_id,
                setting.marketplace_partner_id))


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for record in snap.resources(ActivityLogSettings):
        if record.settings is None:
            yield SPEC.error(record, "the activity log's diagnostic settings could not be read")
            continue
        exporting = [s for s in record.settings if has_destination(s)]
        enabled = {log.category.lower() for s in exporting for log in s.logs if log.enabled}
        covered = enabled & ALL_LOGS_GROUPS or None
        missing = [] if covered else [c for c in REQUIRED if c.lower() not in enabled]
        details: dict[str, Any] = {"settings": [s.name for s in exporting], "missing_categories": missing}
        if not exporting:
            yield SPEC.fail(record, "no diagnostic setting exports the activity log", **details)
        elif missing:
            yield SPEC.fail(record, f"the activity log export leaves out {', '.join(missing)}", **details)
        else:
            yield SPEC.ok(record, "the activity log is exported with the required categories", **details)
