"""Network Watcher is enabled in every location the subscription uses."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity, Status, make_finding
from scanner.resources.azure_network import NetworkSecurityGroup, NetworkWatcher
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_network_watcher_enabled",
    title="Network Watcher is enabled in every location in use",
    severity=Severity.LOW,
    provider="azure",
    service="network",
    requires=(NetworkWatcher.TYPE, NetworkSecurityGroup.TYPE),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "7.6"), ComplianceRef("cis-azure", "4.0.0", "8.6")),
    remediation="az network watcher configure --locations <location> --enabled true --resource-group NetworkWatcherRG",
    references=("https://learn.microsoft.com/azure/network-watcher/network-watcher-create",),
    description=(
        "Without a Network Watcher in a location there are no flow logs, connection troubleshooting or topology "
        "there. A location is in use when the snapshot holds any resource of the subscription in it."
    ),
)
# Succeeded is the steady state; Updating is a watcher being changed, still enabled
ENABLED_STATES = frozenset({"succeeded", "updating"})


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    in_use: dict[tuple[str, str], list[str]] = {}
    for record in snap.all_resources():
        if record.PROVIDER == "azure" and record.region not in ("", "global") and record.TYPE != NetworkWatcher.TYPE:
            in_use.setdefault((record.account, record.region), []).append(record.TYPE)
    unlisted = {error.account for error in snap.scope_errors(NetworkWatcher.TYPE)}  # absence proves nothing there
    watchers: dict[tuple[str, str], list[NetworkWatcher]] = {}
    for watcher in snap.resources(NetworkWatcher):
        watchers.setdefault((watcher.account, watcher.region), []).append(watcher)
    for (subscription, location), types in sorted(in_use.items()):
        found = watchers.get((subscription, location), [])
        details = {"location": location, "resource_types_in_location": sorted(set(types)),
                   "watchers": [w.resource_id for w in found]}
        states = [w.provisioning_state for w in found]
        if any(s is not None and s.lower() in ENABLED_STATES for s in states):
            status, reason = Status.PASS, f"Network Watcher is enabled in {location}"
        elif any(s is None for s in states):
            status, reason = Status.ERROR, f"the Network Watcher state in {location} could not be read"
        elif found:
            status, reason = Status.FAIL, f"the Network Watcher in {location} is {states[0]}"
        elif subscription in unlisted:
            status, reason = Status.ERROR, "the subscription's Network Watchers could not be listed"
        else:
            status, reason = Status.FAIL, f"no Network Watcher in {location}, where the subscription has resources"
        resource_id = found[0].resource_id if found else f"azure:{subscription}:{location}:{NetworkWatcher.TYPE}"
        yield make_finding(SPEC, status=status, account=subscription, region=location, resource_id=resource_id,
                           resource_type=NetworkWatcher.TYPE, reason=reason, details=details)
    # a listing that failed may hide a location in use: say so rather than check fewer locations
    hidden = {e.account: e for e in snap.errors if e.provider == "azure" and e.resource_id is None}
    for subscription, error in sorted(hidden.items()):
        yield make_finding(SPEC, status=Status.ERROR, account=subscription, region="global",
                           resource_id=f"azure:{subscription}:locations-in-use:*", resource_type=NetworkWatcher.TYPE,
                           reason=f"the locations in use are not all known: {error.operation} {error.code}",
                           details={"operation": error.operation, "code": error.code})
