"""Reasoning over IAM resource policies (bucket, queue, topic, function and key policies).

Nothing here is specific to one service: callers pass the actions, resource prefixes
and condition keys that matter to them. The module answers three questions:

* ``parse``: every documented shape of a policy, normalised into ``Statement`` records.
* ``public_statements``: which Allow statements are open to anyone, and why.
* ``insecure_transport_denial``: does a Deny refuse every request made without TLS.

When is an Allow statement public? We follow S3's documented rule ("The meaning of
public" in the S3 user guide): a statement is public when its principal is open and no
condition confines it to something that someone owns.

* An open principal is ``"*"``, ``{"AWS": "*"}`` (also inside a list), any principal
  value containing a wildcard, a web-identity ``Federated`` provider (such as
  ``graph.facebook.com``: anyone can sign in there), or ``NotPrincipal`` with Allow.
* A condition confines only when its key is one of ``CONFINING_KEYS``, its operator is
  a positive string/ARN match (``IpAddress`` for ``aws:SourceIp``), it has no
  ``IfExists`` suffix and no ``ForAllValues:`` qualifier (both are true when the key is
  absent, as it is for anonymous callers), and every value is fixed: no wildcard and no
  policy variable. The exceptions S3 documents are kept: an ARN key with a fixed
  account id may use wildcards in its resource part, ``aws:userid`` may be
  ``"<unique-id>:*"``, and ``aws:PrincipalOrgPaths`` may end in a wildcard after a fixed
  organisation id.
* ``aws:SourceIp`` confines when every CIDR is at most as wide as /8 (IPv4) or /32
  (IPv6): S3 treats anything wider (``0.0.0.0/0``, ``0.0.0.0/1``, ``::/0``) as public.
  The RFC 1918 ranges S3 exempts are never wider than /8, so the prefix length decides.
* ``aws:username`` does not confine: user names are not unique across accounts.

Deny statements never make a resource public, but one can confine a public Allow: a
Deny for everyone, covering all the Allow's actions and resources, whose conditions are
all negated matches of confining keys with fixed values (the common "deny unless the
request comes through vpce-1a2b3c4d" pattern) leaves access only to that fixed set.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


class PolicyError(ValueError):
    """A document that does not follow the policy grammar; the message names the element."""


# Grammar --------------------------------------------------------------------------------

_PRINCIPAL_KINDS = {k.lower(): k for k in ("AWS", "Service", "Federated", "CanonicalUser")}
_QUALIFIERS = ("foranyvalue", "forallvalues")


@dataclass(frozen=True)
class Principal:
    """A Principal or NotPrincipal element: kind ("AWS", "Service", ...) to values.
    The bare string ``"*"`` is stored under the kind ``"*"``."""

    entries: Mapping[str, tuple[str, ...]]

    def values(self) -> Iterable[tuple[str, str]]:
        for kind, values in self.entries.items():
            for value in values:
                yield kind, value

    def is_everyone(self) -> bool:
        """``"*"`` or ``{"AWS": "*"}`` (alone or in a list)."""
        return any(value == "*" and kind in ("*", "AWS") for kind, value in self.values())


@dataclass(frozen=True)
class Condition:
    """One key under one operator. Values are rendered as strings (JSON ``false`` is
    ``"false"``); a list means "any of these"."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    base: str  # lower case, without qualifier or IfExists, e.g. "stringlike"
    qualifier: str | None  # "foranyvalue", "forallvalues" or None
    if_exists: bool
    key: str  # as written
    values: tuple[str, ...]

    @property
    def key_lower(self) -> str:
        return self.key.lower()


@dataclass(frozen=True)
class Statement:
    index: int  # position in the Statement list, from 0
    sid: str | None
    effect: str  # "Allow" or "Deny"
    principal: Principal | None
    not_principal: Principal | None
    actions: tuple[str, ...]  # the Action, or the NotAction when action_negated
    action_negated: bool
    resources: tuple[str, ...]  # the Resource, or the NotResource when resource_negated
    resource_negated: bool
    conditions: tuple[Condition, ...]

    def covers_action(self, action: str) -> bool:
        matched = any(wildcard_match(p, action) for p in self.actions)
        return matched != self.action_negated

    def covers_prefix(self, prefix: str) -> bool:
        """True when the statement applies to every resource whose ARN starts with
        ``prefix`` (e.g. every object of a bucket). NotResource is never trusted to."""
        if self.resource_negated:
            return False
        return any(p.endswith("*") and wildcard_match(p, prefix, case_sensitive=True) for p in self.resources)


def parse(document: Any) -> tuple[Statement, ...]:
    """Normalise a policy document; raises PolicyError naming the first bad element."""
    if not isinstance(document, Mapping):
        raise PolicyError("policy: expected a JSON object")
    raw = document.get("Statement")
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError("Statement: expected an object or a list of objects")
    return tuple(_statement(i, item) for i, item in enumerate(raw))


def _statement(index: int, raw: Any) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: expected an object")
    effect = str(raw.get("Effect", "")).capitalize()
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}.Effect: expected Allow or Deny, found {raw.get('Effect')!r}")
    actions, action_negated = _pair(raw, "Action", "NotAction", where)
    resources, resource_negated = _pair(raw, "Resource", "NotResource", where)
    if "Principal" in raw and "NotPrincipal" in raw:
        raise PolicyError(f"{where}: Principal and NotPrincipal are exclusive")
    sid = raw.get("Sid")
    return Statement(
        index=index,
        sid=str(sid) if sid is not None else None,
        effect=effect,
        principal=_principal(raw["Principal"], f"{where}.Principal") if "Principal" in raw else None,
        not_principal=(_principal(raw["NotPrincipal"], f"{where}.NotPrincipal") if "NotPrincipal" in raw else None),
        actions=actions,
        action_negated=action_negated,
        resources=resources,
        resource_negated=resource_negated,
        conditions=_conditions(raw.get("Condition"), f"{where}.Condition"),
    )


def _pair(raw: Mapping[str, Any], name: str, negated: str, where: str) -> tuple[tuple[str, ...], bool]:
    if name in raw and negated in raw:
        raise PolicyError(f"{where}: {name} and {negated} are exclusive")
    if negated in raw:
        return _strings(raw[negated], f"{where}.{negated}"), True
    return _strings(raw.get(name, []), f"{where}.{name}"), False


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in items):
        raise PolicyError(f"{where}: expected a string or a list of strings")
    return tuple(items)


def _principal(raw: Any, where: str) -> Principal:
    if raw == "*":
        return Principal({"*": ("*",)})
    if not isinstance(raw, Mapping):
        raise PolicyError(f'{where}: expected "*" or an object')
    entries = {}
    for kind, values in raw.items():
        canonical = _PRINCIPAL_KINDS.get(str(kind).lower())
        if canonical is None:
            raise PolicyError(f"{where}: unknown principal type {kind!r}")
        entries[canonical] = _strings(values, f"{where}.{kind}")
    return Principal(entries)


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where}: expected an object")
    found = []
    for operator, block in raw.items():
        if not isinstance(block, Mapping):
            raise PolicyError(f"{where}.{operator}: expected an object of condition keys")
        name = str(operator)
        qualifier, _, rest = name.rpartition(":")
        qualifier = qualifier.lower()
        if qualifier and qualifier not in _QUALIFIERS:
            raise PolicyError(f"{where}.{operator}: unknown qualifier {qualifier!r}")
        base = rest.lower()
        if_exists = base.endswith("ifexists")
        if if_exists:
            base = base[: -len("ifexists")]
        for key, values in block.items():
            rendered = tuple(_render(v, f"{where}.{operator}.{key}") for v in _as_list(values))
            found.append(Condition(name, base, qualifier or None, if_exists, str(key), rendered))
    return tuple(found)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _render(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise PolicyError(f"{where}: expected a string, number or boolean")


@lru_cache(maxsize=1024)
def _compile(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def wildcard_match(pattern: str, value: str, *, case_sensitive: bool = False) -> bool:
    """IAM wildcard matching: ``*`` any run of characters, ``?`` exactly one.
    Action names compare case-insensitively; pass ``case_sensitive=True`` for ARNs."""
    return _compile(pattern, case_sensitive).fullmatch(value) is not None


# Public access ----------------------------------------------------------------------------

# Lower case; values under these keys name something an owner controls.
CONFINING_KEYS = frozenset((
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceaccount",
    "aws:sourceowner", "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount",
    "aws:principalarn", "aws:principalservicename", "aws:userid", "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn", "s3:x-amz-server-side-encryption-aws-kms-key-id",
))  # fmt: skip
_IP_KEYS = frozenset({"aws:sourceip"})
_MATCH_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})
_NEGATED_OPERATORS = frozenset(
    {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}
)
_ACCOUNT_ARN_KEYS = frozenset({"aws:principalarn", "s3:dataaccesspointarn"})
_WILDCARD = re.compile(r"[*?]")

# Why a condition does not confine (ConditionVerdict.reason); CONFINES when it does.
CONFINES = "confines"


@dataclass(frozen=True)
class ConditionVerdict:
    key: str
    operator: str
    reason: str  # CONFINES, or the code saying why not (e.g. "wide-cidr", "if-exists")

    @property
    def confines(self) -> bool:
        return self.reason == CONFINES


def condition_verdict(condition: Condition) -> ConditionVerdict:
    return ConditionVerdict(condition.key, condition.operator, _confinement(condition))


def _confinement(c: Condition) -> str:
    if c.key_lower not in CONFINING_KEYS:
        return "key-not-confining"
    if "not" in c.base:
        return "negated-operator"
    if c.qualifier == "forallvalues":
        return "for-all-values"
    if c.if_exists:
        return "if-exists"
    wanted = frozenset({"ipaddress"}) if c.key_lower in _IP_KEYS else _MATCH_OPERATORS
    if c.base not in wanted:
        return "operator-not-confining"
    if not c.values:
        return "empty-value"
    check = _cidr_problem if c.key_lower in _IP_KEYS else _value_problem
    problems = [p for p in (check(c.key_lower, v) for v in c.values) if p]
    return problems[0] if problems else CONFINES


def _denies_outsiders(c: Condition) -> bool:
    """True when a Deny with this condition refuses everyone outside a fixed set: a
    negated match on a confining key (true when the key is absent) with fixed values."""
    if c.key_lower not in CONFINING_KEYS or c.qualifier is not None or not c.values:
        return False
    if c.key_lower in _IP_KEYS:
        return c.base == "notipaddress" and not any(_cidr_problem(c.key_lower, v) for v in c.values)
    return c.base in _NEGATED_OPERATORS and not any(_value_problem(c.key_lower, v) for v in c.values)


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
        and all(_denies_outsiders(c) for c in s.conditions)
    )


def _pattern_covers(outer: str, inner: str, case_sensitive: bool) -> bool:
    """Every string ``inner`` matches is matched by ``outer`` (a sufficient test)."""
    literal = _WILDCARD.split(inner, 1)[0]
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


def _value_problem(key: str, value: str) -> str | None:
    if "${" in value:
        return "policy-variable"
    if not value:
        return "empty-value"
    if not _WILDCARD.search(value):
        return None
    if key in _ACCOUNT_ARN_KEYS and _arn_with_fixed_account(value):
        return None
    if key == "aws:userid" and re.fullmatch(r"[^*?:]+:\*", value):
        return None
    head, slash, _ = value.partition("/")
    if key == "aws:principalorgpaths" and slash and head.startswith("o-") and not _WILDCARD.search(head):
        return None
    return "wildcard-value"


def _arn_with_fixed_account(value: str) -> bool:
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and re.fullmatch(r"\d{12}", parts[4]) is not None
        and not any(_WILDCARD.search(p) for p in parts[:5])
    )


def _cidr_problem(_key: str, value: str) -> str | None:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return "invalid-cidr"
    widest = 8 if network.version == 4 else 32
    return "wide-cidr" if network.prefixlen < widest else None


def open_principal(statement: Statement) -> str | None:
    """Why the statement's principal lets anyone in, or None when it names someone."""
    if statement.not_principal is not None:
        return "not-principal"
    if statement.principal is None:
        return None
    for kind, value in statement.principal.values():
        if value == "*":
            return "everyone"
        if _WILDCARD.search(value):
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


# Read / write ------------------------------------------------------------------------------

READ_VERBS = (
    "Get", "List", "Describe", "Head", "Read", "Select", "Receive", "Query", "Scan",
    "Search", "Download", "View", "BatchGet", "Decrypt",
)  # fmt: skip


def classify_actions(patterns: Iterable[str]) -> str:
    """Classify Action patterns as "read", "write", "both" or "none".

    An action whose verb starts with one of READ_VERBS reads; any other action writes
    (the safe assumption). A wildcard that could reach both kinds (``*``, ``s3:*``,
    ``s3:*Object``, ``s3:De*``) is both."""
    read = write = False
    for pattern in patterns:
        verb = pattern.split(":", 1)[1] if ":" in pattern else pattern
        literal = _WILDCARD.split(verb, 1)[0]
        wild = literal != verb
        reads = any(literal.startswith(v) for v in READ_VERBS)
        if reads:
            read = True
        elif wild and (not literal or any(v.startswith(literal) for v in READ_VERBS)):
            read = write = True
        else:
            write = True
    return {(True, True): "both", (True, False): "read", (False, True): "write"}.get((read, write), "none")


# Transport ---------------------------------------------------------------------------------


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
