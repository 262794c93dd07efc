"""No security group lets the internet reach SSH or RDP."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.ec2.open_ports import service_findings
from checks.aws.network import ADMIN_SERVICES
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import SecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_security_group_admin_ports_open",
    title="Security group does not open remote administration ports (22, 3389) to the internet",
    severity=Severity.HIGH,
    provider="aws",
    service="ec2",
    requires=(SecurityGroup.TYPE,),
    categories=(Category.NETWORK, Category.PUBLIC_ACCESS),
    compliance=(
        ComplianceRef("cis-aws", "3.0.0", "5.2"),
        ComplianceRef("cis-aws", "3.0.0", "5.3"),
        ComplianceRef("cis-aws", "4.0.1", "5.3"),
        ComplianceRef("cis-aws", "4.0.1", "5.4"),
    ),
    remediation=(
        "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions "
        "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]'; "
        "reach instances through Session Manager, a VPN or a narrow admin CIDR instead"
    ),
    references=(
        "https://docs.aws.amazon.com/vpc/latest/userguide/vpc-security-groups.html",
        "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager.html",
    ),
    description=(
        "SSH (TCP 22) and RDP (TCP and UDP 3389) open to 0.0.0.0/0 or ::/0 invite password "
        "guessing and exploits against every instance in the group. Port ranges and "
        "protocol -1 (all traffic) count; IPv4 and IPv6 are judged separately. Prefix "
        "lists and referenced groups are listed in other_sources but not judged public."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return service_findings(SPEC, snap, ADMIN_SERVICES, "administration ports")
