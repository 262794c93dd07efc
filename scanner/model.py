"""The vocabulary every other module speaks: severities, statuses, check specs, findings.

Checks build findings only through ``CheckSpec.ok/fail/error`` so every finding carries
the same identity fields and a stable fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scanner.resources.base import Resource


class Severity(Enum):
    """Ordered: CRITICAL is the highest. Compare with ``rank`` or the operators."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for CRITICAL down to 0 for INFO."""
        return _SEVERITY_RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            names = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class Status(Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"  # the check could not decide: data missing or the check itself failed
    MUTED = "MUTED"  # set only by the runner from a mute file


class Category(Enum):
    PUBLIC_ACCESS = "public-access"
    ENCRYPTION = "encryption"
    LOGGING = "logging"
    DATA_PROTECTION = "data-protection"
    IDENTITY = "identity"
    NETWORK = "network"


@dataclass(frozen=True)
class ComplianceRef:
    framework: str  # e.g. "cis-aws"
    version: str  # e.g. "3.0.0"
    control: str  # e.g. "2.1.1"


CHECK_ID_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+){2,}$")
PROVIDERS = ("aws", "azure")


@dataclass(frozen=True)
class CheckSpec:
    """A check's metadata. Validated by the registry when the module loads."""

    id: str
    title: str
    severity: Severity
    provider: str
    service: str
    requires: tuple[str, ...]
    remediation: str
    categories: tuple[Category, ...] = ()
    compliance: tuple[ComplianceRef, ...] = ()
    references: tuple[str, ...] = ()
    description: str = ""
    # "<record type>:<field>" for each field of a required record the check reads, when
    # it reads only some: the planner then skips the calls that fill no field any
    # selected check reads. Empty: the whole record.
    reads: tuple[str, ...] = ()

    def ok(self, resource: Resource, reason: str = "", **details: Any) -> Finding:
        return self._finding(resource, Status.PASS, reason, None, None, details)

    def fail(
        self,
        resource: Resource,
        reason: str,
        *,
        severity: Severity | None = None,
        key: str | None = None,
        **details: Any,
    ) -> Finding:
        """A failed verdict. ``severity`` lowers or raises this one finding (for example a
        latent grant that another layer neutralises); ``key`` distinguishes several
        findings of one check on one resource and becomes part of the fingerprint."""
        return self._finding(resource, Status.FAIL, reason, severity, key, details)

    def error(self, resource: Resource, reason: str, **details: Any) -> Finding:
        return self._finding(resource, Status.ERROR, reason, None, None, details)

    def _finding(
        self,
        resource: Resource,
        status: Status,
        reason: str,
        severity: Severity | None,
        key: str | None,
        details: Mapping[str, Any],
    ) -> Finding:
        return make_finding(
            self,
            status=status,
            account=resource.account,
            region=resource.region,
            resource_id=resource.resource_id,
            resource_type=resource.TYPE,
            reason=reason,
            details=details,
            severity=severity,
            key=key,
        )


def fingerprint(check_id: str, provider: str, account: str, resource_id: str, key: str | None) -> str:
    """Stable across runs and machines: identity only, never status, time or order."""
    text = "\x1f".join((check_id, provider, account, resource_id, key or ""))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    status: Status
    severity: Severity
    provider: str
    account: str
    region: str
    resource_id: str
    resource_type: str
    reason: str
    remediation: str
    fingerprint: str
    details: Mapping[str, Any] = field(default_factory=dict)
    compliance: tuple[ComplianceRef, ...] = ()
    mute_reason: str | None = None  # set with Status.MUTED, from the mute file entry
    baseline: str | None = None  # "new" or "existing" when the scan is compared with a baseline

    def sort_key(self) -> tuple[bool, int, str, str, str]:
        """What needs attention (FAIL, ERROR) before what does not (MUTED, PASS); then
        severity, highest first; then check id and resource id."""
        settled = self.status in (Status.PASS, Status.MUTED)
        return (settled, -self.severity.rank, self.check_id, self.resource_id, self.fingerprint)


def make_finding(
    spec: CheckSpec,
    *,
    status: Status,
    account: str,
    region: str,
    resource_id: str,
    resource_type: str,
    reason: str,
    details: Mapping[str, Any] | None = None,
    severity: Severity | None = None,
    key: str | None = None,
) -> Finding:
    return Finding(
        check_id=spec.id,
        title=spec.title,
        status=status,
        severity=severity or spec.severity,
        provider=spec.provider,
        account=account,
        region=region,
        resource_id=resource_id,
        resource_type=resource_type,
        reason=reason,
        remediation=spec.remediation,
        fingerprint=fingerprint(spec.id, spec.provider, account, resource_id, key),
        details=dict(details or {}),
        compliance=spec.compliance,
    )
