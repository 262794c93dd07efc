"""Amazon EC2 and VPC, in every enabled region: security groups, network ACLs, the EBS
encryption-by-default setting, volumes, the account's own snapshots and AMIs (with who
may use them), instances (with their metadata service options and instance profile)
and VPCs (with their flow logs).

Regions come from ``ctx.enabled_regions`` (asked once). In each region every listing
below is one paginated call, made once: DescribeSecurityGroups, DescribeNetworkAcls,
GetEbsEncryptionByDefault, DescribeVolumes, DescribeSnapshots (owner "self"),
DescribeImages (owner "self"), DescribeInstances, DescribeVpcs and DescribeFlowLogs
(matched to VPCs by ResourceId). Then, per snapshot, DescribeSnapshotAttribute
(createVolumePermission) and per AMI DescribeImageAttribute (launchPermission).

A listing that fails records a scope-level CollectionError for that region and record
type (never an empty list); a failed per-resource read leaves that field None with an
error naming the resource. Resource ids are ARNs; snapshots and AMIs use the
account-less form AWS documents for them (arn:aws:ec2:<region>::snapshot/<id>).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code, partition_of
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_ec2 import (
    EC2_RESOURCE_TYPES,
    EbsEncryptionDefault,
    EbsSnapshot,
    FlowLog,
    GroupReference,
    Instance,
    IpPermission,
    MachineImage,
    MetadataOptions,
    NetworkAcl,
    NetworkAclEntry,
    SecurityGroup,
    SharePermission,
    Volume,
    Vpc,
)
from scanner.snapshot import CollectionError

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

SERVICE = "ec2"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
# a snapshot or AMI deleted between the listing and its attribute read: dropped, no error
VANISHED_CODES = frozenset({"InvalidSnapshot.NotFound", "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable"})


class IncompleteResponse(Exception):
    """The API answered without a field it always documents; the field stays unread."""


def collect(ctx: AwsContext, result: CollectResult) -> None:
    readers = [_RegionReader(ctx, result, region) for region in ctx.enabled_regions(result)]
    # one flat batch per phase: a pool task never waits on tasks of the same pool
    ctx.pool.run(lambda job: job(), [job for reader in readers for job in reader.listings()])
    ctx.pool.run(lambda job: job(), [job for reader in readers for job in reader.attribute_reads()])
    for reader in readers:
        reader.add_vpcs()


class _RegionReader:
    """Every read in one region. Listings that need a second step (snapshots, AMIs,
    VPCs with their flow logs) keep their raw answers until that step."""

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        self.ctx = ctx
        self.result = result
        self.region = region
        self.client = cast("EC2Client", ctx.client(SERVICE, region))
        self.snapshots: list[Any] = []
        self.images: list[Any] = []
        self.vpcs: list[Any] | None = None
        self.flow_logs: list[Any] = []
        self.flow_logs_failure: Exception | None = None  # reported on each VPC in add_vpcs

    def listings(self) -> list[Callable[[], None]]:
        return [
            self._security_groups,
            self._network_acls,
            self._ebs_default,
            self._volumes,
            self._list_snapshots,
            self._list_images,
            self._instances,
            self._list_vpcs,
            self._list_flow_logs,
        ]

    def attribute_reads(self) -> list[Callable[[], None]]:
        reads = [functools.partial(self._snapshot, s) for s in self.snapshots]
        reads.extend(functools.partial(self._image, i) for i in self.images)
        return list(reads)

    # listings --------------------------------------------------------------------------

    def _security_groups(self) -> None:
        groups = self._list("DescribeSecurityGroups", SecurityGroup.TYPE, "SecurityGroups")
        for group in groups or ():
            group_id = group["GroupId"]
            self.result.add(
                SecurityGroup(
                    **self._identity("security-group", group_id, group.get("GroupName") or group_id, group),
                    group_id=group_id,
                    vpc_id=group.get("VpcId"),
                    description=group.get("Description", ""),
                    ingress=tuple(_permission(p) for p in group.get("IpPermissions", [])),
                    egress=tuple(_permission(p) for p in group.get("IpPermissionsEgress", [])),
                )
            )

    def _network_acls(self) -> None:
        acls = self._list("DescribeNetworkAcls", NetworkAcl.TYPE, "NetworkAcls")
        for acl in acls or ():
            acl_id = acl["NetworkAclId"]
            self.result.add(
                NetworkAcl(
                    **self._identity("network-acl", acl_id, _name_tag(acl) or acl_id, acl),
                    acl_id=acl_id,
                    vpc_id=acl.get("VpcId", ""),
                    is_default=bool(acl.get("IsDefault", False)),
                    subnet_ids=tuple(a["SubnetId"] for a in acl.get("Associations", []) if a.get("SubnetId")),
                    entries=tuple(_acl_entry(e) for e in acl.get("Entries", [])),
                )
            )

    def _ebs_default(self) -> None:
        # the setting has no ARN of its own: name it after the API, per account and region
        arn = f"arn:{partition_of(self.region)}:ec2:{self.region}:{self.ctx.account}:ebs-encryption-by-default"
        enabled: bool | None = None
        try:
            enabled = bool(self.client.get_ebs_encryption_by_default()["EbsEncryptionByDefault"])
        except SDK_ERRORS as exc:
            self._fail(exc, "GetEbsEncryptionByDefault", EbsEncryptionDefault.TYPE, arn)
        except KeyError:
            self._fail(IncompleteResponse("no EbsEncryptionByDefault"), "GetEbsEncryptionByDefault",
                       EbsEncryptionDefault.TYPE, arn)
        self.result.add(
            EbsEncryptionDefault(
                account=self.ctx.account, region=self.region, resource_id=arn, name=self.region, enabled=enabled
            )
        )

    def _volumes(self) -> None:
        for volume in self._list("DescribeVolumes", Volume.TYPE, "Volumes") or ():
            volume_id = volume["VolumeId"]
            identity = self._identity("volume", volume_id, _name_tag(volume) or volume_id, volume)
            encrypted = volume.get("Encrypted")
            if encrypted is None:
                self._fail(IncompleteResponse("no Encrypted flag"), "DescribeVolumes", Volume.TYPE,
                           identity["resource_id"])
            self.result.add(
                Volume(
                    **identity,
                    volume_id=volume_id,
                    state=volume.get("State", ""),
                    encrypted=encrypted,
                    kms_key_id=volume.get("KmsKeyId"),
                    attached_to=tuple(a["InstanceId"] for a in volume.get("Attachments", []) if a.get("InstanceId")),
                )
            )

    def _list_snapshots(self) -> None:
        listed = self._list("DescribeSnapshots", EbsSnapshot.TYPE, "Snapshots", OwnerIds=["self"])
        # "self" already narrows to the account; the owner test keeps emulators honest
        self.snapshots = [s for s in listed or () if s.get("OwnerId", self.ctx.account) == self.ctx.account]

    def _list_images(self) -> None:
        listed = self._list("DescribeImages", MachineImage.TYPE, "Images", Owners=["self"])
        self.images = [i for i in listed or () if i.get("OwnerId", self.ctx.account) == self.ctx.account]

    def _instances(self) -> None:
        reservations = self._list("DescribeInstances", Instance.TYPE, "Reservations")
        for instance in (i for r in reservations or () for i in r.get("Instances", [])):
            instance_id = instance["InstanceId"]
            identity = self._identity("instance", instance_id, _name_tag(instance) or instance_id, instance)
            options = instance.get("MetadataOptions")
            metadata = None
            if options and options.get("HttpTokens") and options.get("HttpEndpoint"):
                metadata = MetadataOptions(
                    http_tokens=options["HttpTokens"],
                    http_endpoint=options["HttpEndpoint"],
                    state=options.get("State", "applied"),
                    hop_limit=options.get("HttpPutResponseHopLimit"),
                )
            else:
                self._fail(IncompleteResponse("no MetadataOptions"), "DescribeInstances", Instance.TYPE,
                           identity["resource_id"])
            # IamInstanceProfile is left out when the instance has none: a concrete "none"
            profile = instance.get("IamInstanceProfile")
            profile_arn: str | None = "" if profile is None else profile.get("Arn")
            if profile_arn is None:
                self._fail(IncompleteResponse("IamInstanceProfile without Arn"), "DescribeInstances",
                           Instance.TYPE, identity["resource_id"])
            self.result.add(
                Instance(
                    **identity,
                    instance_id=instance_id,
                    state=instance.get("State", {}).get("Name", ""),
                    vpc_id=instance.get("VpcId"),
                    image_id=instance.get("ImageId"),
                    security_group_ids=tuple(g["GroupId"] for g in instance.get("SecurityGroups", [])),
                    metadata_options=metadata,
                    instance_profile_arn=profile_arn,
                )
            )

    def _list_vpcs(self) -> None:
        self.vpcs = self._list("DescribeVpcs", Vpc.TYPE, "Vpcs")

    def _list_flow_logs(self) -> None:
        try:
            self.flow_logs = self._paginate("describe_flow_logs", "FlowLogs")
        except SDK_ERRORS as exc:
            self.flow_logs_failure = exc

    # second step -----------------------------------------------------------------------

    def _snapshot(self, snapshot: Any) -> None:
        snapshot_id = snapshot["SnapshotId"]
        identity = self._identity("snapshot", snapshot_id, _name_tag(snapshot) or snapshot_id, snapshot, owned=False)
        try:
            answer = self.client.describe_snapshot_attribute(
                SnapshotId=snapshot_id, Attribute="createVolumePermission"
            )
            permissions: tuple[SharePermission, ...] | None = _shares(answer.get("CreateVolumePermissions", []))
        except SDK_ERRORS as exc:
            if error_code(exc) in VANISHED_CODES:
                return
            self._fail(exc, "DescribeSnapshotAttribute", EbsSnapshot.TYPE, identity["resource_id"])
            permissions = None
        self.result.add(
            EbsSnapshot(
                **identity,
                snapshot_id=snapshot_id,
                volume_id=snapshot.get("VolumeId"),
                encrypted=snapshot.get("Encrypted"),
                create_volume_permissions=permissions,
            )
        )

    def _image(self, image: Any) -> None:
        image_id = image["ImageId"]
        identity = self._identity("image", image_id, image.get("Name") or image_id, image, owned=False)
        try:
            answer = self.client.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")
            permissions: tuple[SharePermission, ...] | None = _shares(answer.get("LaunchPermissions", []))
        except SDK_ERRORS as exc:
            if error_code(exc) in VANISHED_CODES:
                return
            self._fail(exc, "DescribeImageAttribute", MachineImage.TYPE, identity["resource_id"])
            permissions = None
        self.result.add(
            MachineImage(
                **identity,
                image_id=image_id,
                state=image.get("State", ""),
                public=image.get("Public"),
                launch_permissions=permissions,
            )
        )

    def add_vpcs(self) -> None:
        by_resource: dict[str, list[FlowLog]] = {}
        for log in self.flow_logs:
            by_resource.setdefault(log.get("ResourceId", ""), []).append(_flow_log(log))
        if self.vpcs is None and self.flow_logs_failure is not None:
            # no VPC to hang the failure on: it is a scope-level error of its own
            self._fail(self.flow_logs_failure, "DescribeFlowLogs", Vpc.TYPE, None)
        for vpc in self.vpcs or ():
            vpc_id = vpc["VpcId"]
            identity = self._identity("vpc", vpc_id, _name_tag(vpc) or vpc_id, vpc)
            flow_logs: tuple[FlowLog, ...] | None = tuple(by_resource.get(vpc_id, ()))
            if self.flow_logs_failure is not None:
                flow_logs = None
                self._fail(self.flow_logs_failure, "DescribeFlowLogs", Vpc.TYPE, identity["resource_id"])
            self.result.add(
                Vpc(
                    **identity,
                    vpc_id=vpc_id,
                    is_default=bool(vpc.get("IsDefault", False)),
                    cidr_block=vpc.get("CidrBlock"),
                    flow_logs=flow_logs,
                )
            )

    # plumbing --------------------------------------------------------------------------

    def _list(self, operation: str, resource_type: str, key: str, **params: Any) -> list[Any] | None:
        """Every item of a paginated listing, or None (with a scope-level error) when
        any page failed: a partial list is never passed off as the whole."""
        try:
            return self._paginate(_snake(operation), key, **params)
        except SDK_ERRORS as exc:
            self._fail(exc, operation, resource_type, None)
            return None

    def _paginate(self, method: str, key: str, **params: Any) -> list[Any]:
        items: list[Any] = []
        for page in self.client.get_paginator(method).paginate(**params):  # type: ignore[call-overload]
            items.extend(page.get(key, []))
        return items

    def _arn(self, kind: str, resource: str, *, owned: bool = True) -> str:
        account = self.ctx.account if owned else ""
        return f"arn:{partition_of(self.region)}:ec2:{self.region}:{account}:{kind}/{resource}"

    def _identity(self, kind: str, resource: str, name: str, item: Any, *, owned: bool = True) -> dict[str, Any]:
        return {
            "account": self.ctx.account,
            "region": self.region,
            "resource_id": self._arn(kind, resource, owned=owned),
            "name": name,
            "tags": _tags(item),
        }

    def _fail(self, exc: Exception, operation: str, resource_type: str, resource_id: str | None) -> None:
        error: CollectionError = self.ctx.error(
            exc,
            region=self.region,
            service=SERVICE,
            operation=operation,
            resource_type=resource_type,
            resource_id=resource_id,
        )
        self.result.fail(error)


# response shapes -> records ------------------------------------------------------------


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


def _tags(item: Any) -> dict[str, str]:
    return {str(t["Key"]): str(t.get("Value", "")) for t in item.get("Tags") or [] if "Key" in t}


def _name_tag(item: Any) -> str | None:
    return _tags(item).get("Name") or None


def _permission(raw: Any) -> IpPermission:
    return IpPermission(
        protocol=str(raw.get("IpProtocol", "-1")),
        from_port=raw.get("FromPort"),
        to_port=raw.get("ToPort"),
        ipv4_ranges=tuple(r["CidrIp"] for r in raw.get("IpRanges", []) if "CidrIp" in r),
        ipv6_ranges=tuple(r["CidrIpv6"] for r in raw.get("Ipv6Ranges", []) if "CidrIpv6" in r),
        prefix_list_ids=tuple(p["PrefixListId"] for p in raw.get("PrefixListIds", []) if "PrefixListId" in p),
        groups=tuple(
            GroupReference(
                group_id=g.get("GroupId") or g.get("GroupName", ""),
                user_id=g.get("UserId"),
                vpc_id=g.get("VpcId"),
                peering_status=g.get("PeeringStatus"),
            )
            for g in raw.get("UserIdGroupPairs", [])
        ),
    )


def _acl_entry(raw: Any) -> NetworkAclEntry:
    ports = raw.get("PortRange") or {}
    return NetworkAclEntry(
        rule_number=int(raw["RuleNumber"]),
        egress=bool(raw.get("Egress", False)),
        action=str(raw.get("RuleAction", "")),
        protocol=str(raw.get("Protocol", "-1")),
        ipv4_cidr=raw.get("CidrBlock"),
        ipv6_cidr=raw.get("Ipv6CidrBlock"),
        port_from=ports.get("From"),
        port_to=ports.get("To"),
    )


def _shares(raw: Sequence[Any]) -> tuple[SharePermission, ...]:
    return tuple(
        SharePermission(
            group=p.get("Group"),
            user_id=p.get("UserId"),
            organization_arn=p.get("OrganizationArn"),
            organizational_unit_arn=p.get("OrganizationalUnitArn"),
        )
        for p in raw
    )


def _flow_log(raw: Any) -> FlowLog:
    return FlowLog(
        flow_log_id=str(raw.get("FlowLogId", "")),
        status=str(raw.get("FlowLogStatus", "")),
        traffic_type=str(raw.get("TrafficType", "")),
        deliver_logs_status=raw.get("DeliverLogsStatus"),
        destination_type=raw.get("LogDestinationType"),
        destination=raw.get("LogDestination") or raw.get("LogGroupName"),
    )


COLLECTOR = CollectorSpec(
    name="aws.ec2",
    provider="aws",
    produces=tuple(cls.TYPE for cls in EC2_RESOURCE_TYPES),
    permissions=(
        "ec2:DescribeRegions",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeNetworkAcls",
        "ec2:GetEbsEncryptionByDefault",
        "ec2:DescribeVolumes",
        "ec2:DescribeSnapshots",
        "ec2:DescribeSnapshotAttribute",
        "ec2:DescribeImages",
        "ec2:DescribeImageAttribute",
        "ec2:DescribeInstances",
        "ec2:DescribeVpcs",
        "ec2:DescribeFlowLogs",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=EC2_RESOURCE_TYPES,
    calls=(
        *(Call("ec2", op, REGION, pages=True) for op in (
            "DescribeSecurityGroups", "DescribeNetworkAcls", "DescribeVolumes", "DescribeSnapshots",
            "DescribeImages", "DescribeInstances", "DescribeVpcs", "DescribeFlowLogs",
        )),
        Call("ec2", "GetEbsEncryptionByDefault", REGION),
        Call("ec2", "DescribeSnapshotAttribute", EbsSnapshot.TYPE),
        Call("ec2", "DescribeImageAttribute", MachineImage.TYPE),
    ),
)
