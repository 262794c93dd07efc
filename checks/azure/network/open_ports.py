"""One finding per network security group from ``nsg_exposure``: FAIL with the
offending rules when the internet reaches the ports a check asks about."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from checks.azure.network.nsg_exposure import MAX_PORT, Target, Unreadable, exposure
from scanner.model import CheckSpec, Finding
from scanner.resources.azure_network import NetworkSecurityGroup
from scanner.snapshot import Snapshot

ALL_PORTS = ((0, MAX_PORT),)


def port(number: int) -> tuple[tuple[int, int], ...]:
    return ((number, number),)


def evaluate_open(spec: CheckSpec, snap: Snapshot, targets: Sequence[Target], what: str) -> Iterator[Finding]:
    for nsg in snap.resources(NetworkSecurityGroup):
        try:
            found = exposure(nsg, targets)
        except Unreadable as exc:
            yield spec.error(nsg, str(exc))
            continue
        asked = sorted(f"{t.protocol}/{'*' if t.ports == ALL_PORTS else t.ports[0][0]}" for t in targets)
        if found.open_rules:
            names = ", ".join(rule["name"] for rule in found.open_rules)
            yield spec.fail(nsg, f"{what} is open to the internet through {names}", open_rules=found.open_rules,
                            superseded_rules=found.superseded_rules, evaluated=asked)
        else:
            yield spec.ok(nsg, f"no inbound rule opens {what} to the internet",
                          superseded_rules=found.superseded_rules, evaluated=asked)
