"""Every VPC's default security group has no rules at all."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.network import UnreadableRule, port_range, ports_text, protocol_name
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import IpPermission, SecurityGroup
from scanner.snapshot import Snapshot

DEFAULT_GROUP = "default"

SPEC = CheckSpec(
    id="aws_vpc_default_security_group_restricts_all",
    title="Default security group of the VPC restricts all traffic",
    severity=Severity.MEDIUM,
    provider="aws",
    service="vpc",
    requires=(SecurityGroup.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "5.4"), ComplianceRef("cis-aws", "4.0.1", "5.5")),
    remediation=(
        "move resources to purpose-made groups, then remove every rule of the default group: "
        "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions <rules> and "
        "aws ec2 revoke-security-group-egress --group-id <sg-id> --ip-permissions <rules>"
    ),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html",),
    description=(
        "Anything launched without a security group lands in the VPC's default group, which "
        "AWS creates allowing all outbound traffic and all traffic between its members. "
        "With no inbound and no outbound rules, a forgotten choice fails closed."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for group in snap.resources(SecurityGroup):
        if group.name != DEFAULT_GROUP:
            continue
        if group.ingress is None or group.egress is None:
            yield SPEC.error(group, "the default group's rules could not be read")
            continue
        if not group.ingress and not group.egress:
            yield SPEC.ok(group, "the default group has no rules", vpc_id=group.vpc_id)
            continue
        yield SPEC.fail(
            group,
            f"the default group has {len(group.ingress)} inbound and {len(group.egress)} outbound rules",
            vpc_id=group.vpc_id,
            inbound=[_summary(p) for p in group.ingress],
            outbound=[_summary(p) for p in group.egress],
        )


def _summary(permission: IpPermission) -> dict[str, object]:
    protocol = permission.protocol
    try:
        protocol = protocol_name(permission.protocol)
        ports = ports_text(protocol, port_range(protocol, permission.from_port, permission.to_port))
    except UnreadableRule:
        ports = f"{permission.from_port}-{permission.to_port}"
    sources = [*permission.ipv4_ranges, *permission.ipv6_ranges, *permission.prefix_list_ids,
               *(g.group_id for g in permission.groups)]
    return {"protocol": protocol, "ports": ports, "peers": sources}
