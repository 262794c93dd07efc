"""Does a Deny statement refuse every request made without TLS?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from checks.aws.policy.grammar import Condition, parse


@dataclass(frozen=True)
class TransportDeny:
    index: int
    sid: str | None
    condition: str  # e.g. "Bool aws:SecureTransport false" or "NumericLessThan s3:TlsVersion 1.2"

    def as_detail(self) -> dict[str, Any]:
        return {"index": self.index, "sid": self.sid, "condition": self.condition}


def insecure_transport_denial(
    document: Any,
    *,
    actions: Iterable[str],
    resource_prefix: str,
    tls_version_keys: Iterable[str] = (),
) -> TransportDeny | None:
    """The first Deny statement that refuses requests without TLS, or None.

    It must apply to everyone (``"*"`` or ``{"AWS": "*"}``), cover every action in
    ``actions`` and every resource starting with ``resource_prefix``, and have exactly
    one condition: ``Bool``/``BoolIfExists`` ``aws:SecureTransport`` ``false``, or
    ``NumericLessThan`` on one of ``tls_version_keys`` with a threshold of at least 1.2
    (``NumericLessThanEquals`` at least 1.1). Raises PolicyError on a malformed document.
    """
    wanted = tuple(actions)
    tls_keys = frozenset(k.lower() for k in tls_version_keys)
    for s in parse(document):
        if s.effect != "Deny" or s.principal is None or not s.principal.is_everyone():
            continue
        if not all(s.covers_action(a) for a in wanted) or not s.covers_prefix(resource_prefix):
            continue
        if len(s.conditions) == 1 and _denies_plain_transport(s.conditions[0], tls_keys):
            c = s.conditions[0]
            return TransportDeny(s.index, s.sid, f"{c.operator} {c.key} {' '.join(c.values)}")
    return None


def _denies_plain_transport(c: Condition, tls_keys: frozenset[str]) -> bool:
    if c.qualifier is not None:
        return False
    if c.key_lower == "aws:securetransport" and c.base == "bool":
        return any(v.lower() == "false" for v in c.values)
    if c.key_lower in tls_keys and c.base in ("numericlessthan", "numericlessthanequals"):
        try:
            threshold = max(float(v) for v in c.values)
        except ValueError:
            return False
        return threshold >= (1.2 if c.base == "numericlessthan" else 1.1)
    return False
