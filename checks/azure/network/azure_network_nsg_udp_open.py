"""Network security group lets the internet reach any UDP port."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.network.nsg_exposure import Target
from checks.azure.network.open_ports import ALL_PORTS, evaluate_open
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_network import NetworkSecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_network_nsg_udp_open",
    title="Network security group does not allow UDP from the internet",
    severity=Severity.MEDIUM,
    provider="azure",
    service="network",
    requires=(NetworkSecurityGroup.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "7.3"), ComplianceRef("cis-azure", "4.0.0", "8.3")),
    remediation="az network nsg rule update --nsg-name <nsg> --resource-group <group> --name <rule> "
                "--source-address-prefixes <trusted range>  (or delete the rule)",
    references=("https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",),
    description=(
        "UDP services reachable from the internet (DNS, NTP, SSDP, CLDAP, ...) can be abused as reflectors "
        "in amplification attacks; every UDP port the internet reaches is listed."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_open(SPEC, snap, (Target("udp", ALL_PORTS),), "UDP")
