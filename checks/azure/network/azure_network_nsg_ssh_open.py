"""Network security group lets the internet reach SSH (22)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.network.nsg_exposure import Target
from checks.azure.network.open_ports import evaluate_open, port
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_network import NetworkSecurityGroup
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_network_nsg_ssh_open",
    title="Network security group does not allow SSH from the internet",
    severity=Severity.HIGH,
    provider="azure",
    service="network",
    requires=(NetworkSecurityGroup.TYPE,),
    categories=(Category.NETWORK,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "7.2"), ComplianceRef("cis-azure", "4.0.0", "8.2")),
    remediation="az network nsg rule update --nsg-name <nsg> --resource-group <group> --name <rule> "
                "--source-address-prefixes <trusted range>  (or use Azure Bastion / just-in-time access)",
    references=("https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview",),
    description="SSH (TCP 22) open to any internet address invites brute force and exploits.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_open(SPEC, snap, (Target("tcp", port(22)),), "SSH (22)")
