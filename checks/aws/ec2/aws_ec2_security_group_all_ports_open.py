"""No security group opens every port to the internet."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.network import UnreadableRule, group_exposure
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_ec2 import SecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_security_group_all_ports_open",
    title="Security group does not open all ports to the internet",
    severity=Severity.HIGH,
    provider="aws",
    service="ec2",
    requires=(SecurityGroup.TYPE,),
    categories=(Category.NETWORK, Category.PUBLIC_ACCESS),
    remediation=(
        "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
        "'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'; open only the ports the workload serves"
    ),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",),
    description=(
        "A rule for all traffic (protocol -1), or TCP or UDP rules whose ranges together "
        "span every port, from 0.0.0.0/0 or ::/0 exposes every service on the instances, "
        "including ones nobody meant to publish."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for group in snap.resources(SecurityGroup):
        if group.ingress is None:
            yield SPEC.error(group, "inbound rules could not be read")
            continue
        try:
            exposure = group_exposure(group.ingress)
        except UnreadableRule as exc:
            yield SPEC.error(group, f"an inbound rule cannot be interpreted: {exc}")
            continue
        wide = exposure.all_ports_open()
        if not wide:
            yield SPEC.ok(group, "no rule opens every port to the internet")
            continue
        spans = ", ".join(f"{fam}: {'/'.join(protocols)}" for fam, protocols in wide.items())
        rules = [r.detail() for r in exposure.open_rules if r.protocol in wide.get(r.family, ())]
        yield SPEC.fail(
            group,
            f"every port is open to the internet ({spans})",
            all_ports_open=wide,
            families=sorted(wide),
            open_rules=rules,
            vpc_id=group.vpc_id,
        )
