"""Security group checks that ask "which of these services can the internet reach?"
(administration ports, database ports): one finding per group, the offending rules in
its details. The port and source reasoning itself is in checks/aws/network.py."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from checks.aws.network import Service, UnreadableRule, group_exposure
from scanner.model import CheckSpec, Finding
from scanner.resources.aws_ec2 import SecurityGroup
from scanner.snapshot import Snapshot


def service_findings(spec: CheckSpec, snap: Snapshot, services: Sequence[Service], what: str) -> Iterator[Finding]:
    for group in snap.resources(SecurityGroup):
        if group.ingress is None:
            yield spec.error(group, "inbound rules could not be read")
            continue
        try:
            exposure = group_exposure(group.ingress)
        except UnreadableRule as exc:
            yield spec.error(group, f"an inbound rule cannot be interpreted: {exc}")
            continue
        hits = exposure.reaching(services)
        others = exposure.others_reaching(services)
        if not hits:
            yield spec.ok(group, f"no {what} open to the internet", other_sources=others)
            continue
        reached = sorted({f"{s.name} ({s.protocol}/{s.port})" for _, matched in hits for s in matched})
        families = sorted({rule.family for rule, _ in hits})
        yield spec.fail(
            group,
            f"{what} open to the internet: {', '.join(reached)}",
            services=reached,
            families=families,
            open_rules=[rule.detail(matched) for rule, matched in hits],
            other_sources=others,
            vpc_id=group.vpc_id,
        )
