"""Network security group lets the internet reach HTTP or HTTPS (80, 443)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.network.nsg_exposure import Target
from checks.azure.network.open_ports import evaluate_open, port
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_network import NetworkSecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_network_nsg_http_open",
    title="Network security group does not allow HTTP(S) from the internet",
    severity=Severity.MEDIUM,
    provider="azure",
    service="network",
    requires=(NetworkSecurityGroup.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "7.4"), ComplianceRef("cis-azure", "4.0.0", "8.4")),
    remediation="Put web workloads behind Application Gateway / Front Door with a WAF and restrict the rule's "
                "source: az network nsg rule update --nsg-name <nsg> --resource-group <group> --name <rule> "
                "--source-address-prefixes <range>",
    references=("https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",),
    description="Web ports open to the whole internet should be deliberate and fronted by a web application firewall.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_open(SPEC, snap, (Target("tcp", port(80)), Target("tcp", port(443))), "HTTP(S) (80, 443)")
