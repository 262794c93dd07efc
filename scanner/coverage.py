"""How much of what the collectors tried to read was answered.

One row per provider, account, region and service: the API calls made (from the
snapshot's call accounting) and the reads lost, by kind: denied (the identity may not
read it, or its credentials were refused), throttled (past the retry budget) and failed
(timeouts, connection errors, server errors, malformed answers, anything else). A read
lost is one collection error. Azure Resource Manager is one global endpoint, so its
rows have the region ``global``.

coverage % = reads answered / (reads answered + reads lost), over every row; a read
answered is a call that did not end in a collection error. A snapshot without call
accounting (made by hand or by an older skyscan) counts each record as one read.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.snapshot import CollectionError, Snapshot

DENIED_CODES = frozenset(
    {
        "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
        "AuthorizationFailed", "AuthorizationPermissionMismatch", "Forbidden", "NotAuthorized",
        "AuthenticationFailed", "InvalidAuthenticationToken", "InvalidAuthenticationTokenTokenExpired",
        "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
        "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure", "HTTP401", "HTTP403",
    }
)
THROTTLED_CODES = frozenset({"Throttled"})
KINDS = ("denied", "throttled", "failed")
# Azure calls are counted per Resource Manager provider namespace; the collectors name
# their errors by service. Rows use the collectors' names.
AZURE_SERVICES = {
    "microsoft.storage": "storage", "microsoft.network": "network", "microsoft.keyvault": "keyvault",
    "microsoft.sql": "sql", "microsoft.web": "appservice", "microsoft.insights": "monitor",
    "microsoft.security": "monitor", "microsoft.resources": "resources",
}

Key = tuple[str, str, str, str]


def kind_of(error: CollectionError) -> str:
    """"denied", "throttled" or "failed"."""
    if error.code in THROTTLED_CODES:
        return "throttled"
    if error.code in DENIED_CODES or error.code.startswith("AccessDenied"):
        return "denied"
    return "failed"


@dataclass(frozen=True)
class CoverageRow:
    provider: str
    account: str
    region: str
    service: str
    calls: int
    read: int
    denied: int
    throttled: int
    failed: int

    @property
    def lost(self) -> int:
        return self.denied + self.throttled + self.failed


@dataclass(frozen=True)
class Coverage:
    rows: tuple[CoverageRow, ...]

    @property
    def read(self) -> int:
        return sum(r.read for r in self.rows)

    @property
    def lost(self) -> int:
        return sum(r.lost for r in self.rows)

    def total(self, kind: str) -> int:
        return sum(int(getattr(r, kind)) for r in self.rows)

    @property
    def percent(self) -> float:
        """100.0 when nothing was lost (an empty scan included)."""
        attempted = self.read + self.lost
        return 100.0 if self.lost == 0 else round(100.0 * self.read / attempted, 2)


def _region(provider: str, region: str) -> str:
    return "global" if provider == "azure" else region


def measure(snapshot: Snapshot) -> Coverage:
    calls: dict[Key, int] = {}
    if snapshot.stats is not None:
        for op in snapshot.stats.operations:
            service = AZURE_SERVICES.get(op.service.lower(), op.service) if op.provider == "azure" else op.service
            key = (op.provider, op.account, _region(op.provider, op.region), service)
            calls[key] = calls.get(key, 0) + op.calls
    else:
        for record in snapshot.all_resources():
            provider, service = record.TYPE.split(".")[:2]
            key = (provider, record.account, _region(provider, record.region), service)
            calls[key] = calls.get(key, 0) + 1
    lost: dict[Key, dict[str, int]] = {}
    for error in snapshot.errors:
        key = (error.provider, error.account, _region(error.provider, error.region), error.service)
        slot = lost.setdefault(key, dict.fromkeys(KINDS, 0))
        slot[kind_of(error)] += 1
    rows = []
    for key in sorted(set(calls) | set(lost)):
        made, kinds = calls.get(key, 0), lost.get(key, dict.fromkeys(KINDS, 0))
        read = max(made - sum(kinds.values()), 0)
        rows.append(CoverageRow(*key, made, read, kinds["denied"], kinds["throttled"], kinds["failed"]))
    return Coverage(tuple(rows))
