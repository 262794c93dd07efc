"""AWS EC2 and VPC records: security groups, network ACLs, EBS, AMIs, instances, VPCs.

Values keep the API's own vocabulary (protocol strings, rule actions, states) so the
checks can reason about every shape the API documents; the helpers beside the checks
interpret them. ``None`` in a field means "could not be read", as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource

# security groups -----------------------------------------------------------------------


@dataclass(frozen=True)
class GroupReference:
    """A UserIdGroupPairs entry: traffic from members of another security group."""

    group_id: str
    user_id: str | None = None  # the account owning the group, when given
    vpc_id: str | None = None
    peering_status: str | None = None  # set when the group is in a peered VPC


@dataclass(frozen=True)
class IpPermission:
    """One ingress or egress permission of a security group, as DescribeSecurityGroups
    returns it. ``protocol`` is "-1" (all), a name ("tcp", "udp", "icmp", "icmpv6") or
    an IP protocol number as a string. For TCP and UDP the ports are a range; for ICMP
    ``from_port`` is the type and ``to_port`` the code (-1: any); None when absent."""

    protocol: str
    from_port: int | None = None
    to_port: int | None = None
    ipv4_ranges: tuple[str, ...] = ()
    ipv6_ranges: tuple[str, ...] = ()
    prefix_list_ids: tuple[str, ...] = ()
    groups: tuple[GroupReference, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SecurityGroup(Resource):
    TYPE: ClassVar[str] = "aws.ec2.security_group"
    PROVIDER: ClassVar[str] = "aws"

    group_id: str
    vpc_id: str | None = None  # None only for EC2-Classic groups
    description: str = ""
    ingress: tuple[IpPermission, ...] | None = None
    egress: tuple[IpPermission, ...] | None = None


# network ACLs ------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkAclEntry:
    """One numbered rule. ``protocol`` is the API's string: "-1" (all) or an IP protocol
    number ("6" TCP, "17" UDP, "1" ICMP, "58" ICMPv6). Exactly one of the CIDRs is set.
    ``port_from``/``port_to`` come from PortRange (TCP and UDP only); None: absent."""

    rule_number: int
    egress: bool
    action: str  # "allow" or "deny"
    protocol: str
    ipv4_cidr: str | None = None
    ipv6_cidr: str | None = None
    port_from: int | None = None
    port_to: int | None = None


@dataclass(frozen=True, kw_only=True)
class NetworkAcl(Resource):
    TYPE: ClassVar[str] = "aws.ec2.network_acl"
    PROVIDER: ClassVar[str] = "aws"

    acl_id: str
    vpc_id: str
    is_default: bool = False
    subnet_ids: tuple[str, ...] = ()  # the subnets it is associated with
    entries: tuple[NetworkAclEntry, ...] | None = None


# EBS ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EbsEncryptionDefault(Resource):
    """The account's "encrypt new EBS volumes by default" setting in one region."""

    TYPE: ClassVar[str] = "aws.ec2.ebs_encryption_default"
    PROVIDER: ClassVar[str] = "aws"

    enabled: bool | None = None


@dataclass(frozen=True, kw_only=True)
class Volume(Resource):
    TYPE: ClassVar[str] = "aws.ec2.volume"
    PROVIDER: ClassVar[str] = "aws"

    volume_id: str
    state: str = ""
    encrypted: bool | None = None
    kms_key_id: str | None = None
    attached_to: tuple[str, ...] = ()  # instance ids


@dataclass(frozen=True)
class SharePermission:
    """A createVolumePermission or launchPermission entry: ``group`` "all" means
    everyone; otherwise one account (``user_id``), organization or organizational unit."""

    group: str | None = None
    user_id: str | None = None
    organization_arn: str | None = None
    organizational_unit_arn: str | None = None


@dataclass(frozen=True, kw_only=True)
class EbsSnapshot(Resource):
    """An EBS snapshot the account owns."""

    TYPE: ClassVar[str] = "aws.ec2.snapshot"
    PROVIDER: ClassVar[str] = "aws"

    snapshot_id: str
    volume_id: str | None = None
    encrypted: bool | None = None
    create_volume_permissions: tuple[SharePermission, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class MachineImage(Resource):
    """An AMI the account owns."""

    TYPE: ClassVar[str] = "aws.ec2.image"
    PROVIDER: ClassVar[str] = "aws"

    image_id: str
    state: str = ""
    public: bool | None = None  # DescribeImages' own flag: public launch permissions
    launch_permissions: tuple[SharePermission, ...] | None = None


# instances ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MetadataOptions:
    """An instance's IMDS settings: ``http_tokens`` "required" (IMDSv2 only) or
    "optional"; ``http_endpoint`` "enabled" or "disabled"; ``state`` "pending" while a
    change is being applied, else "applied"."""

    http_tokens: str
    http_endpoint: str
    state: str = "applied"
    hop_limit: int | None = None


@dataclass(frozen=True, kw_only=True)
class Instance(Resource):
    TYPE: ClassVar[str] = "aws.ec2.instance"
    PROVIDER: ClassVar[str] = "aws"

    instance_id: str
    state: str = ""  # pending, running, stopping, stopped, shutting-down, terminated
    vpc_id: str | None = None
    image_id: str | None = None
    security_group_ids: tuple[str, ...] = ()
    metadata_options: MetadataOptions | None = None
    # the attached instance profile's ARN; "" when none is attached; None: unread
    instance_profile_arn: str | None = None


# VPCs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowLog:
    flow_log_id: str
    status: str  # FlowLogStatus: ACTIVE
    traffic_type: str  # ALL, ACCEPT or REJECT
    deliver_logs_status: str | None = None  # SUCCESS or FAILED
    destination_type: str | None = None  # cloud-watch-logs, s3, kinesis-data-firehose
    destination: str | None = None  # the log group name or destination ARN


@dataclass(frozen=True, kw_only=True)
class Vpc(Resource):
    TYPE: ClassVar[str] = "aws.ec2.vpc"
    PROVIDER: ClassVar[str] = "aws"

    vpc_id: str
    is_default: bool = False
    cidr_block: str | None = None
    flow_logs: tuple[FlowLog, ...] | None = None  # the flow logs attached to the VPC itself


EC2_RESOURCE_TYPES: tuple[type[Resource], ...] = (
    SecurityGroup,
    NetworkAcl,
    EbsEncryptionDefault,
    Volume,
    EbsSnapshot,
    MachineImage,
    Instance,
    Vpc,
)
