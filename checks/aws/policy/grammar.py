"""The IAM policy grammar: every documented shape of a policy document, normalised into
``Statement`` records, and IAM's wildcard matching. No judgement about access here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

WILDCARD = re.compile(r"[*?]")


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
