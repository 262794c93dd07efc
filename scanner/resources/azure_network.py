"""Azure network records: network security groups and Network Watchers (with their
flow logs).

As in ``azure.py``: a record-level field that is ``None`` could not be read (ERROR);
inside a read object ``None`` means the property was absent from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class NsgRule:
    """One security rule. The singular and plural forms Resource Manager uses
    (``sourceAddressPrefix`` / ``sourceAddressPrefixes``, ``destinationPortRange`` /
    ``destinationPortRanges``, ...) are merged into one tuple each."""

    name: str
    priority: int | None  # 100-4096 for custom rules, 65000+ for the default ones
    direction: str | None  # Inbound or Outbound
    access: str | None  # Allow or Deny
    protocol: str | None  # Tcp, Udp, Icmp, Esp, Ah or * (Any)
    source_prefixes: tuple[str, ...] = ()  # CIDRs, addresses or service tags (Internet, *, VirtualNetwork, ...)
    source_asgs: tuple[str, ...] = ()  # sourceApplicationSecurityGroups[].id
    destination_prefixes: tuple[str, ...] = ()
    destination_asgs: tuple[str, ...] = ()
    destination_ports: tuple[str, ...] = ()  # "22", "20-30" or "*"
    default: bool = False  # one of the platform's defaultSecurityRules


@dataclass(frozen=True, kw_only=True)
class NetworkSecurityGroup(Resource):
    TYPE: ClassVar[str] = "azure.network.nsg"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    # None: the group's properties could not be read (or had an undocumented shape)
    security_rules: tuple[NsgRule, ...] | None = None
    default_security_rules: tuple[NsgRule, ...] | None = None


@dataclass(frozen=True)
class FlowLog:
    """``networkWatchers/{name}/flowLogs/{flowLog}``; ``None`` fields were absent."""

    id: str
    name: str
    target_resource_id: str | None  # the NSG (or virtual network) it logs
    enabled: bool | None
    retention_enabled: bool | None  # retentionPolicy.enabled
    retention_days: int | None  # retentionPolicy.days (0: kept for ever)
    storage_id: str | None = None
    traffic_analytics_enabled: bool | None = None


@dataclass(frozen=True, kw_only=True)
class NetworkWatcher(Resource):
    TYPE: ClassVar[str] = "azure.network.watcher"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    # None: unreadable; otherwise Succeeded, Updating, Deleting or Failed
    provisioning_state: str | None = None
    # None: the watcher's flowLogs collection could not be listed
    flow_logs: tuple[FlowLog, ...] | None = None


NETWORK_RESOURCE_TYPES: tuple[type[Resource], ...] = (NetworkSecurityGroup, NetworkWatcher)
