"""Which Allow statements of a resource policy are open to anyone, and why.

We follow S3's documented rule ("The meaning of public" in the S3 user guide), which
IAM Access Analyzer applies to every resource policy: a statement is public when its
principal is open and no condition confines it (``conditions.py``).

* An open principal is ``"*"``, ``{"AWS": "*"}`` (also inside a list), any principal
  value containing a wildcard, a web-identity ``Federated`` provider (such as
  ``graph.facebook.com``: anyone can sign in there), or ``NotPrincipal`` with Allow.
  A fixed service principal (``{"Service": "sns.amazonaws.com"}``) is not open.
* Deny statements never make a resource public, but one can confine a public Allow: a
  Deny for everyone, covering all the Allow's actions and resources, whose conditions
  are all negated matches of confining keys with fixed values (the common "deny unless
  the request comes through vpce-1a2b3c4d" pattern) leaves access only to that fixed set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.aws.policy.actions import classify_actions
from checks.aws.policy.conditions import ConditionVerdict, condition_verdict, denies_outsiders
from checks.aws.policy.grammar import WILDCARD, Statement, parse, wildcard_match


def _confining_denies(statements: tuple[Statement, ...]) -> tuple[Statement, ...]:
    return tuple(
        s
        for s in statements
        if s.effect == "Deny"
        and s.principal is not None
        and s.principal.is_everyone()
        and not s.action_negated
        and not s.resource_negated
        and s.conditions
        and all(denies_outsiders(c) for c in s.conditions)
    )


def _pattern_covers(outer: str, inner: str, case_sensitive: bool) -> bool:
    """Every string ``inner`` matches is matched by ``outer`` (a sufficient test)."""
    literal = WILDCARD.split(inner, 1)[0]
    if literal == inner:
        return wildcard_match(outer, inner, case_sensitive=case_sensitive)
    return outer.endswith("*") and wildcard_match(outer, literal, case_sensitive=case_sensitive)


def _deny_covers(deny: Statement, allow: Statement) -> bool:
    def covered(outer: tuple[str, ...], inner: tuple[str, ...], negated: bool, case: bool) -> bool:
        wanted = ("*",) if negated else inner
        return all(any(_pattern_covers(o, i, case) for o in outer) for i in wanted)

    return covered(deny.actions, allow.actions, allow.action_negated, False) and covered(
        deny.resources, allow.resources, allow.resource_negated, True
    )


def open_principal(statement: Statement) -> str | None:
    """Why the statement's principal lets anyone in, or None when it names someone."""
    if statement.not_principal is not None:
        return "not-principal"
    if statement.principal is None:
        return None
    for kind, value in statement.principal.values():
        if value == "*":
            return "everyone"
        if WILDCARD.search(value):
            return "wildcard-principal"
        if kind == "Federated" and not value.startswith("arn:"):
            return "federated-web-identity"
    return None


@dataclass(frozen=True)
class AllowVerdict:
    """How public one Allow statement is, and the evidence."""

    statement: Statement
    principal: str | None  # open_principal(); None when the principal is fixed
    conditions: tuple[ConditionVerdict, ...]
    access: str  # "read", "write", "both" or "none" (see classify_actions)
    confining_denies: tuple[int, ...] = ()  # indexes of Deny statements that confine it

    @property
    def public(self) -> bool:
        return self.principal is not None and not any(c.confines for c in self.conditions) and not self.confining_denies

    @property
    def confined_by(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.conditions if c.confines)

    def as_detail(self) -> dict[str, Any]:
        s = self.statement
        return {
            "index": s.index,
            "sid": s.sid,
            "actions": list(s.actions),
            "not_action": s.action_negated,
            "access": self.access,
            "principal": self.principal,
            "conditions": [{"key": c.key, "operator": c.operator, "reason": c.reason} for c in self.conditions],
        }


def allow_verdicts(document: Any) -> tuple[AllowVerdict, ...]:
    """Every Allow statement with its verdict; raises PolicyError on a malformed document."""
    statements = parse(document)
    denies = _confining_denies(statements)
    return tuple(
        AllowVerdict(
            s,
            open_principal(s),
            tuple(condition_verdict(c) for c in s.conditions),
            "both" if s.action_negated else classify_actions(s.actions),
            tuple(d.index for d in denies if _deny_covers(d, s)),
        )
        for s in statements
        if s.effect == "Allow"
    )


def public_statements(document: Any) -> tuple[AllowVerdict, ...]:
    """The Allow statements that make a resource public."""
    return tuple(v for v in allow_verdicts(document) if v.public)


def open_statements(document: Any) -> tuple[AllowVerdict, ...]:
    """The Allow statements whose principal is open, public or confined: the evidence a
    finding shows ("open to everyone, but only from vpce-1a2b3c4d")."""
    return tuple(v for v in allow_verdicts(document) if v.principal is not None)
