"""Per-control verdicts of one scan against one catalogue.

A pure function of a ScanResult: the controls a scan can speak for are those that some
check *in that scan* references; the others are NOT_EVALUATED, never PASS.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from scanner.compliance.catalogue import Catalogue, Control
from scanner.model import Status

if TYPE_CHECKING:
    from scanner.runner import ScanResult


class ControlStatus(Enum):
    PASS = "PASS"  # every finding of its checks passed (or was muted); no resource failed
    FAIL = "FAIL"  # at least one finding failed: a definite verdict even if other data is missing
    ERROR = "ERROR"  # no failure, but at least one finding could not be decided
    NOT_EVALUATED = "NOT_EVALUATED"  # no check in this scan references the control


@dataclass(frozen=True)
class ControlResult:
    control: Control
    status: ControlStatus
    checks: tuple[str, ...]  # the scan's checks that reference the control, sorted
    findings: Mapping[Status, int] = field(default_factory=dict)  # finding count per status, every status present

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.control.id,
            "title": self.control.title,
            "assessment": self.control.assessment,
            "status": self.status.value,
            "checks": list(self.checks),
            "findings": {s.value: n for s, n in self.findings.items()},
        }


@dataclass(frozen=True)
class FrameworkSummary:
    catalogue: Catalogue
    controls: tuple[ControlResult, ...]  # in catalogue order

    @property
    def counts(self) -> dict[ControlStatus, int]:
        """Number of controls per status; every status present."""
        counted = Counter(c.status for c in self.controls)
        return {s: counted.get(s, 0) for s in ControlStatus}

    def get(self, control_id: str) -> ControlResult | None:
        return next((c for c in self.controls if c.control.id == control_id), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.catalogue.framework,
            "version": self.catalogue.version,
            "counts": {s.value: n for s, n in self.counts.items()},
            "controls": [c.as_dict() for c in self.controls],
        }


def summarise(result: ScanResult, catalogue: Catalogue) -> FrameworkSummary:
    """Each control of ``catalogue`` with the verdict of the scan's checks that reference it."""
    checks_by_control: dict[str, set[str]] = {}
    for check in result.checks:
        for ref in check.spec.compliance:
            if (ref.framework, ref.version) == (catalogue.framework, catalogue.version):
                checks_by_control.setdefault(ref.control, set()).add(check.spec.id)
    findings_by_check: dict[str, Counter[Status]] = {}
    for finding in result.findings:
        findings_by_check.setdefault(finding.check_id, Counter())[finding.status] += 1

    controls = []
    for control in catalogue.controls:
        checks = tuple(sorted(checks_by_control.get(control.id, ())))
        counted: Counter[Status] = Counter()
        for check_id in checks:
            counted.update(findings_by_check.get(check_id, Counter()))
        findings = {s: counted.get(s, 0) for s in Status}
        controls.append(ControlResult(control, _verdict(checks, findings), checks, findings))
    return FrameworkSummary(catalogue, tuple(controls))


def _verdict(checks: tuple[str, ...], findings: Mapping[Status, int]) -> ControlStatus:
    if not checks:
        return ControlStatus.NOT_EVALUATED
    if findings[Status.FAIL]:
        return ControlStatus.FAIL
    if findings[Status.ERROR]:
        return ControlStatus.ERROR
    # No findings at all: the checks ran over data that was read and found nothing to
    # judge (the runner reports unread data as ERROR findings), so nothing violates.
    return ControlStatus.PASS
