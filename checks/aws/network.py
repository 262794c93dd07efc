"""Which ports a security group or a network ACL opens to the whole internet.

The one place the EC2 and VPC checks read rules, so they all agree on:

* **Sources.** "The internet" is a CIDR spanning a whole address family: 0.0.0.0/0
  for IPv4 and ::/0 for IPv6 (any spelling with prefix length 0). IPv4 and IPv6 are
  judged separately. A narrower CIDR is never "open to the world", however large.
  Prefix lists and referenced security groups are not public either (their members
  are not in the snapshot); the checks list them as ``other_sources`` so a reviewer
  sees them, but they never make a finding fail.
* **Protocols.** "-1" (or "all") is every protocol and every port. "tcp"/"6" and
  "udp"/"17" carry a port range. ICMP ("icmp"/"1", "icmpv6"/"58") has a type and code
  instead of ports and never opens a TCP or UDP port. Any other protocol number opens
  that protocol only, on all of its ports, and likewise never a TCP or UDP port.
* **Ports.** A TCP or UDP range is inclusive. A missing bound or -1 means the whole
  range (0-65535): when the API leaves the ports out the rule is read as open, not shut.
* **Network ACL order.** Entries are evaluated by ascending rule number, per
  direction and address family, and the first match decides. An internet-wide allow
  is shadowed only when the denies numbered before it (for that protocol and port)
  together cover the whole address space; a narrower deny leaves the rest open. The
  catch-all rule (32767, or "*") is an ordinary deny at the end.

A CIDR or port that does not parse raises UnreadableRule: the checks report ERROR
rather than guess.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from scanner.resources.aws_ec2 import IpPermission, NetworkAclEntry

ALL = "all"
TCP = "tcp"
UDP = "udp"
PORT_MIN, PORT_MAX = 0, 65535
_PROTOCOL_NAMES = {"-1": ALL, "all": ALL, "6": TCP, "tcp": TCP, "17": UDP, "udp": UDP, "1": "icmp", "icmp": "icmp",
                   "58": "icmpv6", "icmpv6": "icmpv6"}


@dataclass(frozen=True)
class Service:
    name: str
    protocol: str  # "tcp" or "udp"
    port: int


# Remote administration, as CIS AWS Foundations counts it: SSH on TCP 22 and RDP on
# TCP and UDP 3389 (UDP 22 carries no SSH, so it is not counted).
ADMIN_SERVICES = (Service("SSH", TCP, 22), Service("RDP", TCP, 3389), Service("RDP", UDP, 3389))

# Databases and data stores whose default ports should never face the internet.
DATABASE_SERVICES = (
    Service("Microsoft SQL Server", TCP, 1433),
    Service("SQL Server Browser", UDP, 1434),
    Service("Oracle", TCP, 1521),
    Service("Oracle", TCP, 2483),
    Service("Oracle (TLS)", TCP, 2484),
    Service("MySQL / MariaDB / Aurora", TCP, 3306),
    Service("PostgreSQL / Aurora", TCP, 5432),
    Service("Amazon Redshift", TCP, 5439),
    Service("CouchDB", TCP, 5984),
    Service("Redis / Valkey", TCP, 6379),
    Service("Cassandra inter-node", TCP, 7000),
    Service("Cassandra inter-node (TLS)", TCP, 7001),
    Service("InfluxDB", TCP, 8086),
    Service("Cassandra CQL", TCP, 9042),
    Service("Elasticsearch / OpenSearch", TCP, 9200),
    Service("Elasticsearch / OpenSearch transport", TCP, 9300),
    Service("Memcached", TCP, 11211),
    Service("Memcached", UDP, 11211),
    Service("MongoDB", TCP, 27017),
    Service("MongoDB shard", TCP, 27018),
    Service("MongoDB config server", TCP, 27019),
)


class UnreadableRule(Exception):
    """A rule whose CIDR, protocol or ports cannot be interpreted."""


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def protocol_name(value: str) -> str:
    """"all", "tcp", "udp", "icmp", "icmpv6", or the protocol number as given."""
    text = str(value).strip().lower()
    if not text:
        raise UnreadableRule("empty protocol")
    return _PROTOCOL_NAMES.get(text, text)


def network(cidr: str) -> Network:
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        raise UnreadableRule(f"unreadable CIDR {cidr!r}") from None


def family(net: Network) -> str:
    return "ipv4" if net.version == 4 else "ipv6"


def is_world(net: Network) -> bool:
    return net.prefixlen == 0


def port_range(protocol: str, low: int | None, high: int | None) -> tuple[int, int] | None:
    """The inclusive TCP/UDP port range a rule covers, or None when ports do not apply
    (ICMP and other protocols). "all" covers every port."""
    if protocol == ALL:
        return PORT_MIN, PORT_MAX
    if protocol not in (TCP, UDP):
        return None
    start = PORT_MIN if low is None or low == -1 else low
    end = PORT_MAX if high is None or high == -1 else high
    if not (PORT_MIN <= start <= end <= PORT_MAX):
        raise UnreadableRule(f"unreadable port range {low}-{high}")
    return start, end


def covers(protocol: str, ports: tuple[int, int] | None, service: Service) -> bool:
    if ports is None or protocol not in (ALL, service.protocol):
        return False
    return ports[0] <= service.port <= ports[1]


def ports_text(protocol: str, ports: tuple[int, int] | None) -> str:
    if protocol == ALL or ports == (PORT_MIN, PORT_MAX):
        return "all"
    if ports is None:
        return "n/a"
    return str(ports[0]) if ports[0] == ports[1] else f"{ports[0]}-{ports[1]}"


# security groups -----------------------------------------------------------------------


@dataclass(frozen=True)
class OpenRule:
    """One internet-wide source of one security group permission."""

    protocol: str
    ports: tuple[int, int] | None
    source: str
    family: str

    def detail(self, services: Sequence[Service] = ()) -> dict[str, Any]:
        found: dict[str, Any] = {
            "protocol": self.protocol,
            "ports": ports_text(self.protocol, self.ports),
            "source": self.source,
            "family": self.family,
        }
        if services:
            found["services"] = sorted({f"{s.name} ({s.protocol}/{s.port})" for s in services})
        return found


@dataclass(frozen=True)
class OtherSource:
    """A prefix list or security group a permission admits: not judged public."""

    protocol: str
    ports: tuple[int, int] | None
    kind: str  # "prefix_list" or "security_group"
    source: str

    def detail(self) -> dict[str, Any]:
        return {"protocol": self.protocol, "ports": ports_text(self.protocol, self.ports), self.kind: self.source}


@dataclass(frozen=True)
class GroupExposure:
    """A security group's ingress rules split into internet-wide sources and the
    sources this helper cannot resolve (prefix lists, other groups)."""

    open_rules: tuple[OpenRule, ...]
    other_sources: tuple[OtherSource, ...]

    def reaching(self, services: Sequence[Service]) -> list[tuple[OpenRule, list[Service]]]:
        hits = []
        for rule in self.open_rules:
            matched = [s for s in services if covers(rule.protocol, rule.ports, s)]
            if matched:
                hits.append((rule, matched))
        return hits

    def others_reaching(self, services: Sequence[Service]) -> list[dict[str, Any]]:
        return [o.detail() for o in self.other_sources if any(covers(o.protocol, o.ports, s) for s in services)]

    def all_ports_open(self) -> dict[str, list[str]]:
        """Per family, the protocols ("all", "tcp", "udp") whose every port is open to
        the internet, merging the ranges of several rules."""
        ranges: dict[tuple[str, str], list[tuple[int, int]]] = {}
        found: dict[str, set[str]] = {}
        for rule in self.open_rules:
            if rule.protocol == ALL:
                found.setdefault(rule.family, set()).add(ALL)
            elif rule.ports is not None and rule.protocol in (TCP, UDP):
                ranges.setdefault((rule.family, rule.protocol), []).append(rule.ports)
        for (fam, protocol), spans in ranges.items():
            if _spans_all_ports(spans):
                found.setdefault(fam, set()).add(protocol)
        return {fam: sorted(protocols) for fam, protocols in sorted(found.items())}


def group_exposure(permissions: Iterable[IpPermission]) -> GroupExposure:
    """Raises UnreadableRule for a permission that cannot be interpreted."""
    open_rules: list[OpenRule] = []
    others: list[OtherSource] = []
    for permission in permissions:
        protocol = protocol_name(permission.protocol)
        ports = port_range(protocol, permission.from_port, permission.to_port)
        for cidr in (*permission.ipv4_ranges, *permission.ipv6_ranges):
            net = network(cidr)
            if is_world(net):
                open_rules.append(OpenRule(protocol, ports, cidr, family(net)))
        others.extend(OtherSource(protocol, ports, "prefix_list", p) for p in permission.prefix_list_ids)
        others.extend(OtherSource(protocol, ports, "security_group", g.group_id) for g in permission.groups)
    return GroupExposure(tuple(open_rules), tuple(others))


def _spans_all_ports(spans: list[tuple[int, int]]) -> bool:
    """Whether the ranges together cover 1-65535 (port 0 is reserved and ignored)."""
    reached = 0
    for start, end in sorted(spans):
        if start > reached + 1:
            return False
        reached = max(reached, end)
    return reached >= PORT_MAX


# network ACLs --------------------------------------------------------------------------


@dataclass(frozen=True)
class AclExposure:
    service: Service
    family: str
    allowed_by: int  # the rule number of the internet-wide allow that decides
    partly_denied_by: tuple[int, ...]  # earlier denies that narrow it without closing it

    def detail(self) -> dict[str, Any]:
        return {
            "service": self.service.name,
            "protocol": self.service.protocol,
            "port": self.service.port,
            "family": self.family,
            "allowed_by_rule": self.allowed_by,
            "partly_denied_by_rules": list(self.partly_denied_by),
        }


def acl_ingress_exposure(entries: Iterable[NetworkAclEntry], services: Sequence[Service]) -> list[AclExposure]:
    """The services that inbound traffic from anywhere on the internet reaches through
    these entries. Raises UnreadableRule for an entry that cannot be interpreted."""
    parsed = []
    for entry in entries:
        if entry.egress:
            continue
        cidr = entry.ipv4_cidr or entry.ipv6_cidr
        if not cidr:
            raise UnreadableRule(f"rule {entry.rule_number} has no CIDR")
        protocol = protocol_name(entry.protocol)
        ports = port_range(protocol, entry.port_from, entry.port_to)
        parsed.append((entry.rule_number, entry.action.lower(), protocol, ports, network(cidr)))
    parsed.sort(key=lambda item: item[0])
    found = []
    for service in services:
        for fam in ("ipv4", "ipv6"):
            denies: list[tuple[int, Network]] = []
            for number, action, protocol, ports, net in parsed:
                if family(net) != fam or not covers(protocol, ports, service):
                    continue
                if action == "deny":
                    denies.append((number, net))
                elif action == "allow" and is_world(net):
                    if not _whole_space(n for _, n in denies):
                        found.append(AclExposure(service, fam, number, tuple(n for n, _ in denies)))
                    break  # later world allows sit behind the same (or more) denies
    return found


def _whole_space(nets: Iterable[Network]) -> bool:
    # one family at a time, as the caller guarantees; collapsing merges adjacent halves
    merged = list(ipaddress.collapse_addresses(nets))  # type: ignore[type-var]
    return any(n.prefixlen == 0 for n in merged)
