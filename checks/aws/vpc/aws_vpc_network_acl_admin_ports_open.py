"""No network ACL lets inbound SSH or RDP traffic from the whole internet through."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.network import ADMIN_SERVICES, UnreadableRule, acl_ingress_exposure
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import NetworkAcl
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_vpc_network_acl_admin_ports_open",
    title="Network ACL does not allow ingress from the internet to remote administration ports",
    severity=Severity.MEDIUM,
    provider="aws",
    service="vpc",
    requires=(NetworkAcl.TYPE,),
    categories=(Category.NETWORK, Category.PUBLIC_ACCESS),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "5.1"), ComplianceRef("cis-aws", "4.0.1", "5.2")),
    remediation=(
        "aws ec2 create-network-acl-entry --network-acl-id <acl-id> --ingress --rule-number <n below the allow> "
        "--protocol tcp --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny "
        "(and the same for 3389 TCP/UDP and for ::/0 with --ipv6-cidr-block)"
    ),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html",),
    description=(
        "A network ACL is the subnet's stateless outer fence. Entries are evaluated by rule "
        "number and the first match decides, so a lower-numbered deny shadows a later allow; "
        "the check reports SSH (TCP 22) and RDP (TCP/UDP 3389) that an allow from 0.0.0.0/0 "
        "or ::/0 lets through. Every VPC's default ACL allows all inbound traffic. An ACL "
        "associated with no subnet is reported at low severity: it guards nothing yet."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for acl in snap.resources(NetworkAcl):
        if acl.entries is None:
            yield SPEC.error(acl, "the network ACL's entries could not be read")
            continue
        try:
            exposed = acl_ingress_exposure(acl.entries, ADMIN_SERVICES)
        except UnreadableRule as exc:
            yield SPEC.error(acl, f"an entry cannot be interpreted: {exc}")
            continue
        context: dict[str, Any] = {
            "vpc_id": acl.vpc_id,
            "is_default": acl.is_default,
            "subnet_ids": list(acl.subnet_ids),
        }
        if not exposed:
            yield SPEC.ok(acl, "no administration port is reachable from the internet", **context)
            continue
        services = sorted({f"{e.service.name} ({e.service.protocol}/{e.service.port})" for e in exposed})
        yield SPEC.fail(
            acl,
            f"inbound from the internet allowed to {', '.join(services)}",
            severity=None if acl.subnet_ids else Severity.LOW,
            services=services,
            families=sorted({e.family for e in exposed}),
            open_entries=[e.detail() for e in exposed],
            **context,
        )
