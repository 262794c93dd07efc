"""Microsoft Defender for Storage is on (pricing tier Standard)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.monitor.defender import evaluate_plan
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_monitor import DefenderPlans
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_defender_plan_storage",
    title="Microsoft Defender for Storage is on",
    severity=Severity.MEDIUM,
    provider="azure",
    service="defender",
    requires=(DefenderPlans.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.1.5.1"), ComplianceRef("cis-azure", "4.0.0", "9.1.5.1")),
    remediation="az security pricing create --name StorageAccounts --tier Standard",
    references=("https://learn.microsoft.com/azure/defender-for-cloud/defender-for-cloud-introduction",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_plan(SPEC, snap, "StorageAccounts")
