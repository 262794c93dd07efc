"""Network security group has a flow log, enabled, keeping records more than 90 days."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_network import FlowLog, NetworkSecurityGroup, NetworkWatcher
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_network_nsg_flow_log_retention",
    title="Network security group flow logs are enabled and kept more than 90 days",
    severity=Severity.LOW,
    provider="azure",
    service="network",
    requires=(NetworkSecurityGroup.TYPE, NetworkWatcher.TYPE),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "7.5"), ComplianceRef("cis-azure", "4.0.0", "8.5")),
    remediation="az network watcher flow-log create --location <location> --name <name> --nsg <nsg id> "
                "--storage-account <account id> --retention 91",
    references=("https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview",),
    description=(
        "Flow logs are the record of who talked to what. A retention policy that is off, or 0 days, keeps them "
        "for ever. Virtual network flow logs (which replace NSG flow logs) are not matched to groups yet."
    ),
)
MIN_DAYS_EXCLUSIVE = 90


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    logs: dict[tuple[str, str], list[FlowLog]] = {}
    # subscriptions whose watchers, or a watcher's flow logs, could not be listed
    unread: set[str] = {error.account for error in snap.scope_errors(NetworkWatcher.TYPE)}
    for watcher in snap.resources(NetworkWatcher):
        if watcher.flow_logs is None:
            unread.add(watcher.account)
            continue
        for log in watcher.flow_logs:
            if log.target_resource_id:
                logs.setdefault((watcher.account, log.target_resource_id.lower()), []).append(log)
    for nsg in snap.resources(NetworkSecurityGroup):
        found = logs.get((nsg.account, nsg.resource_id.lower()), [])
        if not found:
            if nsg.account in unread:
                yield SPEC.error(nsg, "the Network Watchers or their flow logs could not be listed")
            else:
                yield SPEC.fail(nsg, "no flow log targets this group", flow_logs=[])
            continue
        verdicts = [_judge(log) for log in found]
        good = [v for v in verdicts if v[0]]
        chosen = good[0] if good else verdicts[0]
        if good:
            yield SPEC.ok(nsg, chosen[1], **chosen[2])
        else:
            yield SPEC.fail(nsg, chosen[1], **chosen[2])


def _judge(log: FlowLog) -> tuple[bool, str, dict[str, Any]]:
    details: dict[str, Any] = {"flow_log": log.id, "enabled": log.enabled,
                                  "retention_enabled": log.retention_enabled, "retention_days": log.retention_days,
                                  "minimum_days_exclusive": MIN_DAYS_EXCLUSIVE}
    if not log.enabled:
        return False, f"flow log {log.name} is disabled", details
    if not log.retention_enabled or not log.retention_days:
        details["source"] = "default"
        details["default"] = "no retention policy (off or 0 days): records are kept for ever"
        return True, f"flow log {log.name} keeps records for ever", details
    if log.retention_days <= MIN_DAYS_EXCLUSIVE:
        return False, f"flow log {log.name} keeps records only {log.retention_days} days", details
    return True, f"flow log {log.name} keeps records {log.retention_days} days", details
