"""What an Azure SQL server does when Resource Manager leaves a property out, and the
reasoning its checks share.

Documented defaults (Microsoft.Sql, api-version 2021-11-01):

* ``minimalTlsVersion``: unset (or ``"None"``) accepts every TLS version the gateway
  supports, 1.0 included.
* ``publicNetworkAccess``: unset means Enabled (the firewall rules decide).
* ``auditingSettings/default``: ``retentionDays`` unset or 0 keeps audit records for
  ever; a server never configured answers ``state: Disabled``.
* Firewall: a rule from 0.0.0.0 to 0.0.0.0 is the portal's "Allow Azure services and
  resources to access this server", which admits any Azure tenant's resources.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from checks.azure.storage.defaults import Effective
from scanner.resources.azure_sql import SqlFirewallRule, SqlServerProperties

TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
RECOMMENDED_MIN_TLS = "1.2"
AUDIT_RETENTION_MIN_EXCLUSIVE = 90
LAST_IPV4 = int(ipaddress.IPv4Address("255.255.255.255"))


def minimal_tls(props: SqlServerProperties) -> Effective[str]:
    value = props.minimal_tls_version
    if value is not None and value.lower() != "none":
        return Effective(value)
    return Effective("1.0", "minimalTlsVersion unset or None: every TLS version is accepted, 1.0 included")


def public_network_access(props: SqlServerProperties) -> Effective[str]:
    if props.public_network_access is not None:
        return Effective(props.public_network_access)
    return Effective("Enabled", "publicNetworkAccess unset: Enabled (the firewall rules decide)")


@dataclass(frozen=True)
class RuleRange:
    rule: SqlFirewallRule
    start: int
    end: int

    @property
    def everyone(self) -> bool:
        return self.start == 0 and self.end == LAST_IPV4

    @property
    def azure_services(self) -> bool:
        return self.start == 0 and self.end == 0


def rule_range(rule: SqlFirewallRule) -> RuleRange:
    """ValueError when an address is missing or not IPv4."""
    if rule.start_ip is None or rule.end_ip is None:
        raise ValueError(f"firewall rule {rule.name} has no start or end address")
    return RuleRange(rule, int(ipaddress.IPv4Address(rule.start_ip)), int(ipaddress.IPv4Address(rule.end_ip)))
