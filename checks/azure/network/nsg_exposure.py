"""Which ports a network security group lets the whole internet reach.

Azure evaluates a group's inbound rules (custom and default together) in ascending
priority and stops at the first rule that matches a packet. This module follows that
order for "a packet from anywhere on the internet" to the ports a check cares about,
separately for IPv4 and IPv6 and per protocol:

* A rule matches the internet when a source prefix is ``*``, ``Any``, the ``Internet``
  service tag, or a /0 network (``0.0.0.0/0`` covers IPv4 only, ``::/0`` IPv6 only).
  Narrower sources and application security groups never count as "the internet",
  neither for an Allow (not world-open) nor for a Deny (it cannot shadow for everyone).
* Protocol ``*`` (Any) covers TCP and UDP; ``Tcp`` and ``Udp`` only themselves.
* Ports: ``*``, ``"22"``, ``"20-30"``, and lists of them (``destinationPortRanges``).
* A higher-priority (lower-numbered) Deny shadows a later Allow for the ports, family
  and protocol it covers, when its destination covers the Allow's (any destination, or
  the same prefixes / groups). A port already allowed by an earlier rule is decided too.

An Allow rule is offending for the ports on which it is the first internet match.
Anything unreadable (a rule without priority, access or direction; a port that does not
parse) raises ``Unreadable`` so the check reports ERROR instead of guessing.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.resources.azure_network import NetworkSecurityGroup, NsgRule

MAX_PORT = 65535
ANY_TAGS = frozenset({"*", "any", "internet"})
ANY_DESTINATION = frozenset({"*", "any"})
FAMILIES = ("ipv4", "ipv6")
ANY_PROTOCOLS = frozenset({"*", "any"})

Ranges = tuple[tuple[int, int], ...]


class Unreadable(Exception):
    """A rule whose fields cannot be evaluated; the message names the rule."""


@dataclass(frozen=True)
class Target:
    """What a check asks about: a protocol and the ports of interest."""

    protocol: str  # "tcp" or "udp"
    ports: Ranges


@dataclass
class Exposure:
    open_rules: list[dict[str, Any]] = field(default_factory=list)  # offending Allow rules
    # internet Allows that earlier rules (a higher-priority Deny, or an Allow) already decide
    superseded_rules: list[str] = field(default_factory=list)


def port_ranges(specs: Iterable[str], rule: str) -> Ranges:
    found: list[tuple[int, int]] = []
    for raw in specs:
        text = raw.strip()
        if text in ("*", "any", "Any"):
            found.append((0, MAX_PORT))
            continue
        low, _, high = text.partition("-")
        try:
            start, end = int(low), int(high or low)
        except ValueError:
            raise Unreadable(f"rule {rule}: port {raw!r} does not parse") from None
        if not 0 <= start <= end <= MAX_PORT:
            raise Unreadable(f"rule {rule}: port range {raw!r} is out of bounds")
        found.append((start, end))
    return normalise(found)


def normalise(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


def intersect(a: Ranges, b: Ranges) -> Ranges:
    return normalise((max(s1, s2), min(e1, e2)) for s1, e1 in a for s2, e2 in b if max(s1, s2) <= min(e1, e2))


def subtract(a: Ranges, b: Ranges) -> Ranges:
    result = list(a)
    for bs, be in b:
        pieces: list[tuple[int, int]] = []
        for s, e in result:
            if be < s or bs > e:
                pieces.append((s, e))
                continue
            if s < bs:
                pieces.append((s, bs - 1))
            if be < e:
                pieces.append((be + 1, e))
        result = pieces
    return normalise(result)


def show(ranges: Ranges) -> list[str]:
    return [str(s) if s == e else f"{s}-{e}" for s, e in ranges]


def internet_families(prefixes: Sequence[str]) -> frozenset[str]:
    """The address families whose whole internet the prefixes cover."""
    found: set[str] = set()
    for prefix in prefixes:
        text = prefix.strip()
        if text.lower() in ANY_TAGS:
            return frozenset(FAMILIES)
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            continue  # another service tag (VirtualNetwork, AzureLoadBalancer, Storage, ...)
        if network.prefixlen == 0:
            found.add("ipv4" if network.version == 4 else "ipv6")
    return frozenset(found)


def _destination_key(rule: NsgRule) -> tuple[str, ...] | None:
    """None when the rule reaches every destination; else what it is limited to."""
    if not rule.destination_asgs and (
        not rule.destination_prefixes
        or any(p.strip().lower() in ANY_DESTINATION for p in rule.destination_prefixes)
    ):
        return None
    return tuple(sorted(p.strip().lower() for p in (*rule.destination_prefixes, *rule.destination_asgs)))


def _protocols(rule: NsgRule) -> frozenset[str]:
    assert rule.protocol is not None
    value = rule.protocol.strip().lower()
    return frozenset({"tcp", "udp", "icmp"}) if value in ANY_PROTOCOLS else frozenset({value})


def inbound_rules(nsg: NetworkSecurityGroup) -> list[NsgRule]:
    """Custom and default inbound rules in evaluation order; Unreadable when the group
    or a rule cannot be evaluated."""
    if nsg.security_rules is None or nsg.default_security_rules is None:
        raise Unreadable("the group's rules could not be read")
    rules = []
    for rule in (*nsg.security_rules, *nsg.default_security_rules):
        if rule.direction is None or rule.access is None or rule.priority is None or rule.protocol is None:
            raise Unreadable(f"rule {rule.name}: direction, access, priority or protocol is missing")
        if rule.access.lower() not in ("allow", "deny"):
            raise Unreadable(f"rule {rule.name}: unknown access {rule.access!r}")
        if rule.direction.lower() == "inbound":
            rules.append(rule)
    return sorted(rules, key=lambda r: (r.priority or 0, r.default))


def exposure(nsg: NetworkSecurityGroup, targets: Sequence[Target]) -> Exposure:
    """The Allow rules through which the internet reaches ``targets``."""
    rules = inbound_rules(nsg)
    found = Exposure()
    opened: dict[str, dict[str, Any]] = {}
    for family in FAMILIES:
        for target in targets:
            decided_all: Ranges = ()
            decided_for: dict[tuple[str, ...], Ranges] = {}
            for rule in rules:
                if target.protocol not in _protocols(rule) or family not in internet_families(rule.source_prefixes):
                    continue
                ports = intersect(port_ranges(rule.destination_ports or ("*",), rule.name), target.ports)
                if not ports:
                    continue
                key = _destination_key(rule)
                remaining = subtract(ports, decided_all)
                if key is not None:
                    remaining = subtract(remaining, decided_for.get(key, ()))
                if rule.access.lower() == "allow":  # type: ignore[union-attr]
                    if remaining:
                        entry = opened.setdefault(rule.name, _describe(rule))
                        entry["families"] = sorted({*entry["families"], family})
                        entry["open_ports"] = sorted({*entry["open_ports"],
                                                      *(f"{target.protocol}/{p}" for p in show(remaining))})
                    elif rule.name not in found.superseded_rules:
                        found.superseded_rules.append(rule.name)
                if key is None:
                    decided_all = normalise((*decided_all, *ports))
                else:
                    decided_for[key] = normalise((*decided_for.get(key, ()), *ports))
    found.open_rules = sorted(opened.values(), key=lambda r: (r["priority"], r["name"]))
    found.superseded_rules = [name for name in found.superseded_rules if name not in opened]
    return found


def _describe(rule: NsgRule) -> dict[str, Any]:
    return {"name": rule.name, "priority": rule.priority, "protocol": rule.protocol,
            "sources": list(rule.source_prefixes), "destination_ports": list(rule.destination_ports),
            "default": rule.default, "families": [], "open_ports": []}
