"""The EC2/VPC collector and region discovery against moto in server mode.

Seeded with the tests' own (writing) clients in two regions; read through
``AwsContext`` (read-only guarded) over HTTP. Failures are injected with botocore event
handlers on the scanner's session, so everything else on the request path stays real.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner.collect.aws.context import REGIONS_RESOURCE_TYPE, AwsContext, WriteOperationRefused
from scanner.collect.aws.ec2 import COLLECTOR
from scanner.collect.base import CollectResult
from scanner.resources.aws_ec2 import (
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
from scanner.resources.base import Resource
from scanner.snapshot import CollectionError

ACCOUNT = "123456789012"
US = "us-east-1"
EU = "eu-west-1"
AMI = "ami-0123456789abcdef0"  # the one AMI the emulator knows (tests/conftest.py)
KMS_KEY = f"arn:aws:kms:{EU}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
OTHER_ACCOUNT = "444455556666"

# the listings made once per region, and the per-resource reads
REGIONAL_OPERATIONS = {
    "DescribeSecurityGroups",
    "DescribeNetworkAcls",
    "GetEbsEncryptionByDefault",
    "DescribeVolumes",
    "DescribeSnapshots",
    "DescribeImages",
    "DescribeInstances",
    "DescribeVpcs",
    "DescribeFlowLogs",
}


def arn(region: str, kind: str, resource: str, *, owned: bool = True) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT if owned else ''}:{kind}/{resource}"


# helpers -------------------------------------------------------------------------------


def register_on_session(ctx: AwsContext, event: str, handler: Callable[..., Any]) -> None:
    """Hook every client the context creates from now on."""
    events: Any = ctx.session.events
    events.register(event, handler)


class CallLog:
    """Every EC2 call the scanner's clients make: (operation, region, resource id)."""

    def __init__(self, ctx: AwsContext) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()
        register_on_session(ctx, "before-call.ec2.*", self._seen)

    def _seen(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        body = params.get("body", {})
        resource = body.get("SnapshotId") or body.get("ImageId")
        with self._lock:
            self.calls.append((model.name, context["client_region"], resource))

    def counts(self) -> Counter[tuple[str, str, str | None]]:
        return Counter(self.calls)


def answer_with_error(
    ctx: AwsContext, operation: str, code: str, *, region: str | None = None, match: str | None = None
) -> None:
    """Make the scanner's EC2 clients answer ``operation`` (in ``region``, for the
    resource id ``match``, when given) with an error instead of sending it."""

    def respond(model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
        if region is not None and context["client_region"] != region:
            return None
        if match is not None and match not in params.get("body", {}).values():
            return None
        parsed = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return AWSResponse("http://injected", 403, HTTPHeaders(), None), parsed

    register_on_session(ctx, f"before-call.ec2.{operation}", respond)


def run(ctx: AwsContext) -> CollectResult:
    result = CollectResult()
    COLLECTOR.collect(ctx, result)
    return result


def records(result: CollectResult, kind: type[Any], region: str | None = None) -> dict[str, Any]:
    """Records of one type by resource id (optionally in one region)."""
    found: dict[str, Resource] = {}
    for record in result.records:
        if isinstance(record, kind) and (region is None or record.region == region):
            assert record.resource_id not in found, record.resource_id
            found[record.resource_id] = record
    return found


# fixtures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    vpc: str
    subnet: str
    web_group: str
    app_group: str
    prefix_list: str
    acl: str
    plain_volume: str
    kms_volume: str
    public_snapshot: str
    shared_snapshot: str
    public_image: str
    shared_image: str
    v2_instance: str
    v1_instance: str
    no_imds_instance: str
    flow_log: str
    us_group: str
    us_volume: str


@pytest.fixture
def seeded(seed_client: Callable[..., Any]) -> Seed:
    """A workload VPC in eu-west-1 with every kind of resource, and a little in us-east-1."""
    eu = seed_client("ec2", EU)
    vpc = eu.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    eu.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": "workload"}])
    subnet = eu.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    web = eu.create_security_group(GroupName="web", Description="web tier", VpcId=vpc)["GroupId"]
    app = eu.create_security_group(GroupName="app", Description="app tier", VpcId=vpc)["GroupId"]
    prefix_list = eu.create_managed_prefix_list(PrefixListName="admins", MaxEntries=5, AddressFamily="IPv4")[
        "PrefixList"
    ]["PrefixListId"]
    eu.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "udp", "FromPort": 3389, "ToPort": 3389, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 9000, "PrefixListIds": [{"PrefixListId": prefix_list}],
             "UserIdGroupPairs": [{"GroupId": app}]},
            {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        ],
    )
    acl = eu.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
    for number, protocol, action, cidr, ports in (
        (100, "6", "deny", {"CidrBlock": "0.0.0.0/0"}, {"From": 22, "To": 22}),
        (200, "-1", "allow", {"CidrBlock": "0.0.0.0/0"}, None),
        (300, "17", "allow", {"Ipv6CidrBlock": "::/0"}, {"From": 3389, "To": 3389}),
    ):
        extra = {"PortRange": ports} if ports else {}
        eu.create_network_acl_entry(NetworkAclId=acl, RuleNumber=number, Protocol=protocol, RuleAction=action,
                                    Egress=False, **cidr, **extra)
    eu.enable_ebs_encryption_by_default()
    plain = eu.create_volume(AvailabilityZone="eu-west-1a", Size=1)["VolumeId"]
    kms = eu.create_volume(AvailabilityZone="eu-west-1a", Size=1, Encrypted=True, KmsKeyId=KMS_KEY)["VolumeId"]
    public_snap = eu.create_snapshot(VolumeId=plain)["SnapshotId"]
    eu.modify_snapshot_attribute(SnapshotId=public_snap, Attribute="createVolumePermission",
                                 OperationType="add", GroupNames=["all"])
    shared_snap = eu.create_snapshot(VolumeId=kms)["SnapshotId"]
    eu.modify_snapshot_attribute(SnapshotId=shared_snap, Attribute="createVolumePermission",
                                 OperationType="add", UserIds=[OTHER_ACCOUNT])
    # instance security groups are recorded only with SubnetId + SecurityGroupIds
    v2 = eu.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[web],
                          MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"})["Instances"][0]
    v1 = eu.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet,
                          MetadataOptions={"HttpTokens": "optional"})["Instances"][0]
    no_imds = eu.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet,
                               MetadataOptions={"HttpEndpoint": "disabled"})["Instances"][0]
    public_image = eu.create_image(InstanceId=v2["InstanceId"], Name="golden")["ImageId"]
    eu.modify_image_attribute(ImageId=public_image, LaunchPermission={"Add": [{"Group": "all"}]})
    shared_image = eu.create_image(InstanceId=v1["InstanceId"], Name="partner")["ImageId"]
    eu.modify_image_attribute(ImageId=shared_image, LaunchPermission={"Add": [{"UserId": OTHER_ACCOUNT}]})
    seed_client("s3", EU).create_bucket(Bucket="skyscan-flow-logs",
                                        CreateBucketConfiguration={"LocationConstraint": EU})
    flow_log = eu.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="REJECT",
                                   LogDestinationType="s3", LogDestination="arn:aws:s3:::skyscan-flow-logs")
    us = seed_client("ec2", US)
    us_group = us.create_security_group(GroupName="db", Description="database")["GroupId"]
    us.authorize_security_group_ingress(
        GroupId=us_group,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    us_volume = us.create_volume(AvailabilityZone="us-east-1a", Size=2)["VolumeId"]
    return Seed(vpc, subnet, web, app, prefix_list, acl, plain, kms, public_snap, shared_snap, public_image,
                shared_image, v2["InstanceId"], v1["InstanceId"], no_imds["InstanceId"], flow_log["FlowLogIds"][0],
                us_group, us_volume)


# records, field by field ----------------------------------------------------------------


def test_every_resource_in_both_regions_is_read_field_by_field(
    open_context: Callable[..., AwsContext], seeded: Seed, seed_client: Callable[..., Any]
) -> None:
    result = run(open_context((US, EU)))

    assert result.errors == []
    assert {r.region for r in result.records} == {US, EU}
    assert all(r.account == ACCOUNT for r in result.records)

    groups = records(result, SecurityGroup, EU)
    web = groups[arn(EU, "security-group", seeded.web_group)]
    assert (web.name, web.group_id, web.vpc_id, web.description) == ("web", seeded.web_group, seeded.vpc, "web tier")
    assert web.ingress == (
        IpPermission("tcp", 22, 22, ipv4_ranges=("0.0.0.0/0",), ipv6_ranges=("::/0",)),
        IpPermission("udp", 3389, 3389, ipv6_ranges=("::/0",)),
        IpPermission("tcp", 8000, 9000, prefix_list_ids=(seeded.prefix_list,),
                     groups=(GroupReference(seeded.app_group, user_id=ACCOUNT),)),
        IpPermission("icmp", 8, -1, ipv4_ranges=("10.0.0.0/8",)),
    )
    assert web.egress == (IpPermission("-1", ipv4_ranges=("0.0.0.0/0",)),)
    # every VPC has its default group; the workload VPC's too
    defaults = [g for g in groups.values() if g.name == "default"]
    assert seeded.vpc in {g.vpc_id for g in defaults} and len(defaults) == 2
    us_group = records(result, SecurityGroup, US)[arn(US, "security-group", seeded.us_group)]
    assert us_group.ingress == (IpPermission("-1", ipv4_ranges=("0.0.0.0/0",)),)

    acl = records(result, NetworkAcl, EU)[arn(EU, "network-acl", seeded.acl)]
    assert (acl.acl_id, acl.vpc_id, acl.is_default, acl.subnet_ids) == (seeded.acl, seeded.vpc, False, ())
    assert acl.entries == (
        NetworkAclEntry(100, False, "deny", "6", ipv4_cidr="0.0.0.0/0", port_from=22, port_to=22),
        NetworkAclEntry(200, False, "allow", "-1", ipv4_cidr="0.0.0.0/0"),
        NetworkAclEntry(300, False, "allow", "17", ipv6_cidr="::/0", port_from=3389, port_to=3389),
    )
    default_acl = next(a for a in records(result, NetworkAcl, EU).values() if a.is_default and a.vpc_id == seeded.vpc)
    assert default_acl.subnet_ids == (seeded.subnet,)  # a new subnet joins its VPC's default ACL

    assert records(result, EbsEncryptionDefault) == {
        f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default": EbsEncryptionDefault(
            account=ACCOUNT, region=region, resource_id=f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default",
            name=region, enabled=region == EU)
        for region in (US, EU)
    }

    volumes = records(result, Volume)
    plain = volumes[arn(EU, "volume", seeded.plain_volume)]
    assert (plain.encrypted, plain.kms_key_id, plain.state, plain.attached_to) == (False, None, "available", ())
    kms = volumes[arn(EU, "volume", seeded.kms_volume)]
    assert (kms.encrypted, kms.kms_key_id) == (True, KMS_KEY)
    assert volumes[arn(US, "volume", seeded.us_volume)].encrypted is False

    snapshots = records(result, EbsSnapshot)
    # the account's own (the two seeded and those behind its AMIs), never the emulator's
    # AMI snapshots owned by Amazon, which its "self" filter lets through
    listed = seed_client("ec2", EU).describe_snapshots(OwnerIds=["self"])["Snapshots"]
    own = {arn(EU, "snapshot", s["SnapshotId"], owned=False) for s in listed if s["OwnerId"] == ACCOUNT}
    amazon = {arn(EU, "snapshot", s["SnapshotId"], owned=False) for s in listed if s["OwnerId"] != ACCOUNT}
    assert set(snapshots) == own and amazon and not amazon & own
    assert {seeded.public_snapshot, seeded.shared_snapshot} < {s.snapshot_id for s in snapshots.values()}
    public_snap = snapshots[arn(EU, "snapshot", seeded.public_snapshot, owned=False)]
    assert public_snap.volume_id == seeded.plain_volume
    assert public_snap.create_volume_permissions == (SharePermission(group="all"),)
    shared_snap = snapshots[arn(EU, "snapshot", seeded.shared_snapshot, owned=False)]
    assert shared_snap.create_volume_permissions == (SharePermission(user_id=OTHER_ACCOUNT),)

    images = records(result, MachineImage)
    assert set(images) == {arn(EU, "image", seeded.public_image, owned=False),
                           arn(EU, "image", seeded.shared_image, owned=False)}
    golden = images[arn(EU, "image", seeded.public_image, owned=False)]
    assert (golden.name, golden.public, golden.launch_permissions) == ("golden", True, (SharePermission(group="all"),))
    partner = images[arn(EU, "image", seeded.shared_image, owned=False)]
    assert (partner.public, partner.launch_permissions) == (False, (SharePermission(user_id=OTHER_ACCOUNT),))

    instances = records(result, Instance, EU)
    v2 = instances[arn(EU, "instance", seeded.v2_instance)]
    assert (v2.state, v2.vpc_id, v2.image_id, v2.security_group_ids) == ("running", seeded.vpc, AMI,
                                                                          (seeded.web_group,))
    assert v2.metadata_options == MetadataOptions("required", "enabled", "applied", 1)
    v1 = instances[arn(EU, "instance", seeded.v1_instance)].metadata_options
    assert v1 is not None and (v1.http_tokens, v1.http_endpoint) == ("optional", "enabled")
    off = instances[arn(EU, "instance", seeded.no_imds_instance)].metadata_options
    assert off is not None and off.http_endpoint == "disabled"

    vpcs = records(result, Vpc, EU)
    workload = vpcs[arn(EU, "vpc", seeded.vpc)]
    assert (workload.name, workload.is_default, workload.cidr_block, workload.tags) == (
        "workload", False, "10.0.0.0/16", {"Name": "workload"})
    assert workload.flow_logs == (
        FlowLog(seeded.flow_log, "ACTIVE", "REJECT", "SUCCESS", "s3", "arn:aws:s3:::skyscan-flow-logs"),
    )
    default_vpc = next(v for v in vpcs.values() if v.is_default)
    assert default_vpc.flow_logs == ()  # looked, found none: not "unread"


def test_each_listing_is_made_once_per_region_and_each_attribute_once_per_resource(
    open_context: Callable[..., AwsContext], seeded: Seed
) -> None:
    ctx = open_context((US, EU))
    log = CallLog(ctx)
    result = run(ctx)

    counts = log.counts()
    assert counts[("DescribeRegions", US, None)] == 1
    for region in (US, EU):
        for operation in REGIONAL_OPERATIONS:
            assert counts[(operation, region, None)] == 1, (operation, region)
    snapshot_ids = {r.snapshot_id for r in records(result, EbsSnapshot).values()}
    assert {resource for op, _, resource in log.calls if op == "DescribeSnapshotAttribute"} == snapshot_ids
    assert {resource for op, _, resource in log.calls if op == "DescribeImageAttribute"} == {
        seeded.public_image, seeded.shared_image}
    assert max(counts.values()) == 1
    assert {op for op, _, _ in log.calls} == REGIONAL_OPERATIONS | {
        "DescribeRegions", "DescribeSnapshotAttribute", "DescribeImageAttribute"}


# region discovery -----------------------------------------------------------------------


def enabled_in_emulator(seed_client: Callable[..., Any]) -> set[str]:
    answer = seed_client("ec2", US).describe_regions(AllRegions=True)["Regions"]
    enabled = {r["RegionName"] for r in answer if r["OptInStatus"] in ("opt-in-not-required", "opted-in")}
    return {r for r in enabled if not r.startswith(("cn-", "us-gov-"))}  # other partitions


def test_without_regions_every_enabled_region_of_the_partition_is_read(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    ctx = open_context(None)
    result = CollectResult()

    regions = ctx.enabled_regions(result)

    expected = enabled_in_emulator(seed_client)
    assert set(regions) == expected and list(regions) == sorted(regions)
    assert {US, EU} <= expected and "ap-east-1" not in expected  # ap-east-1 is opt-in, not opted in
    assert result.errors == []
    run_result = run(ctx)
    assert {r.region for r in records(run_result, EbsEncryptionDefault).values()} == expected


def test_given_regions_are_narrowed_to_the_enabled_ones(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context((EU, "ap-east-1", US))
    assert ctx.enabled_regions(CollectResult()) == (EU, US)


def test_regions_are_discovered_once_for_every_collector_and_thread(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context(None)
    log = CallLog(ctx)
    result = CollectResult()
    answers: list[tuple[str, ...]] = []
    threads = [threading.Thread(target=lambda: answers.append(ctx.enabled_regions(result))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run(ctx)

    assert len(set(answers)) == 1 and len(answers) == 8
    assert [op for op, _, _ in log.calls].count("DescribeRegions") == 1


@pytest.mark.parametrize(("given", "fallback"), [((EU, US), (EU, US)), (None, (US,))])
def test_failed_region_discovery_falls_back_and_is_recorded_once(
    open_context: Callable[..., AwsContext], given: tuple[str, ...] | None, fallback: tuple[str, ...]
) -> None:
    ctx = open_context(given)
    answer_with_error(ctx, "DescribeRegions", "UnauthorizedOperation")
    result = CollectResult()

    assert ctx.enabled_regions(result) == fallback
    assert ctx.enabled_regions(result) == fallback
    COLLECTOR.collect(ctx, result)

    assert result.errors == [
        CollectionError(provider="aws", account=ACCOUNT, region=US, service="ec2", operation="DescribeRegions",
                        code="UnauthorizedOperation", message="injected UnauthorizedOperation",
                        resource_type=REGIONS_RESOURCE_TYPE, resource_id=None)
    ]
    assert {r.region for r in result.records} == set(fallback)


# failures -------------------------------------------------------------------------------


def test_a_failed_regional_listing_is_a_scope_error_for_that_region_only(
    open_context: Callable[..., AwsContext], seeded: Seed
) -> None:
    ctx = open_context((US, EU))
    answer_with_error(ctx, "DescribeSecurityGroups", "UnauthorizedOperation", region=EU)
    answer_with_error(ctx, "DescribeInstances", "RequestLimitExceeded", region=US)
    result = run(ctx)

    assert sorted((e.region, e.operation, e.code, e.resource_type, e.resource_id) for e in result.errors) == [
        (EU, "DescribeSecurityGroups", "UnauthorizedOperation", "aws.ec2.security_group", None),
        (US, "DescribeInstances", "Throttled", "aws.ec2.instance", None),
    ]
    assert records(result, SecurityGroup, EU) == {}  # unread, never "no groups"
    assert arn(US, "security-group", seeded.us_group) in records(result, SecurityGroup, US)
    assert records(result, Instance, US) == {}
    assert len(records(result, Instance, EU)) == 3


def test_failed_per_resource_reads_leave_fields_unread_with_named_errors(
    open_context: Callable[..., AwsContext], seeded: Seed
) -> None:
    ctx = open_context((US, EU))
    answer_with_error(ctx, "DescribeSnapshotAttribute", "UnauthorizedOperation", match=seeded.public_snapshot)
    answer_with_error(ctx, "DescribeImageAttribute", "UnauthorizedOperation", match=seeded.shared_image)
    answer_with_error(ctx, "GetEbsEncryptionByDefault", "UnauthorizedOperation", region=US)
    answer_with_error(ctx, "DescribeFlowLogs", "UnauthorizedOperation", region=EU)
    result = run(ctx)

    vpc_ids = {v.resource_id for v in records(result, Vpc, EU).values()}
    errors = {(e.operation, e.region, e.resource_id) for e in result.errors}
    assert errors == {
        ("DescribeSnapshotAttribute", EU, arn(EU, "snapshot", seeded.public_snapshot, owned=False)),
        ("DescribeImageAttribute", EU, arn(EU, "image", seeded.shared_image, owned=False)),
        ("GetEbsEncryptionByDefault", US, f"arn:aws:ec2:{US}:{ACCOUNT}:ebs-encryption-by-default"),
    } | {("DescribeFlowLogs", EU, vpc_id) for vpc_id in vpc_ids}
    assert len(result.errors) == len(errors) and len(vpc_ids) == 2
    snapshots = records(result, EbsSnapshot)
    assert snapshots[arn(EU, "snapshot", seeded.public_snapshot, owned=False)].create_volume_permissions is None
    assert snapshots[arn(EU, "snapshot", seeded.shared_snapshot, owned=False)].create_volume_permissions == (
        SharePermission(user_id=OTHER_ACCOUNT),)
    partner = records(result, MachineImage)[arn(EU, "image", seeded.shared_image, owned=False)]
    assert (partner.public, partner.launch_permissions) == (False, None)  # the flag survives
    assert {r.region: r.enabled for r in records(result, EbsEncryptionDefault).values()} == {US: None, EU: True}
    assert all(v.flow_logs is None for v in records(result, Vpc, EU).values())
    assert all(v.flow_logs == () for v in records(result, Vpc, US).values())


def test_a_snapshot_deleted_after_listing_is_dropped_without_error(
    open_context: Callable[..., AwsContext], seeded: Seed, seed_client: Callable[..., Any]
) -> None:
    ctx = open_context((US, EU))
    eu = seed_client("ec2", EU)

    def delete_after_listing(context: dict[str, Any], **_: Any) -> None:
        if context["client_region"] == EU:
            eu.delete_snapshot(SnapshotId=seeded.shared_snapshot)

    register_on_session(ctx, "after-call.ec2.DescribeSnapshots", delete_after_listing)
    result = run(ctx)

    assert result.errors == []
    assert arn(EU, "snapshot", seeded.shared_snapshot, owned=False) not in records(result, EbsSnapshot)
    assert arn(EU, "snapshot", seeded.public_snapshot, owned=False) in records(result, EbsSnapshot)


def test_an_instance_without_metadata_options_is_an_unread_field_not_a_default(
    open_context: Callable[..., AwsContext], seeded: Seed
) -> None:
    ctx = open_context((EU,))

    def drop_metadata_options(parsed: dict[str, Any], **_: Any) -> None:
        for reservation in parsed.get("Reservations", []):
            for instance in reservation["Instances"]:
                if instance["InstanceId"] == seeded.v1_instance:
                    del instance["MetadataOptions"]

    register_on_session(ctx, "after-call.ec2.DescribeInstances", drop_metadata_options)
    result = run(ctx)

    (error,) = result.errors
    v1_arn = arn(EU, "instance", seeded.v1_instance)
    assert (error.operation, error.code, error.resource_id) == ("DescribeInstances", "IncompleteResponse", v1_arn)
    assert records(result, Instance)[v1_arn].metadata_options is None
    assert records(result, Instance)[arn(EU, "instance", seeded.v2_instance)].metadata_options is not None


# guard and declaration --------------------------------------------------------------------


def test_the_scanner_clients_refuse_ec2_writes(open_context: Callable[..., AwsContext], seeded: Seed,
                                               seed_client: Callable[..., Any]) -> None:
    ec2 = open_context((US, EU)).client("ec2", EU)
    with pytest.raises(WriteOperationRefused, match="RevokeSecurityGroupIngress"):
        ec2.revoke_security_group_ingress(GroupId=seeded.web_group, IpPermissions=[{"IpProtocol": "-1"}])
    with pytest.raises(WriteOperationRefused, match="ModifySnapshotAttribute"):
        ec2.modify_snapshot_attribute(SnapshotId=seeded.public_snapshot, Attribute="createVolumePermission",
                                      OperationType="remove", GroupNames=["all"])
    group = seed_client("ec2", EU).describe_security_groups(GroupIds=[seeded.web_group])["SecurityGroups"][0]
    assert len(group["IpPermissions"]) == 4


def test_the_collector_declares_what_it_produces_and_needs() -> None:
    assert COLLECTOR.name == "aws.ec2"
    assert set(COLLECTOR.produces) == {
        "aws.ec2.security_group", "aws.ec2.network_acl", "aws.ec2.ebs_encryption_default", "aws.ec2.volume",
        "aws.ec2.snapshot", "aws.ec2.image", "aws.ec2.instance", "aws.ec2.vpc"}
    assert {cls.TYPE for cls in COLLECTOR.record_types} == set(COLLECTOR.produces)
    operations = REGIONAL_OPERATIONS | {"DescribeRegions", "DescribeSnapshotAttribute", "DescribeImageAttribute"}
    assert {f"ec2:{op}" for op in operations} <= set(COLLECTOR.permissions)


def test_an_instance_profile_is_recorded_and_its_absence_is_a_concrete_value(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    iam = seed_client("iam")
    iam.create_role(RoleName="web", AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}')
    profile = iam.create_instance_profile(InstanceProfileName="web")["InstanceProfile"]["Arn"]
    iam.add_role_to_instance_profile(InstanceProfileName="web", RoleName="web")
    eu = seed_client("ec2", EU)
    with_role = eu.run_instances(ImageId=AMI, MinCount=1, MaxCount=1,
                                 IamInstanceProfile={"Name": "web"})["Instances"][0]["InstanceId"]
    without = eu.run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]

    result = run(open_context((EU,)))

    instances = records(result, Instance, EU)
    assert instances[arn(EU, "instance", with_role)].instance_profile_arn == profile
    assert instances[arn(EU, "instance", without)].instance_profile_arn == ""
    assert result.errors == []


def test_an_instance_profile_without_arn_is_an_unread_field(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    instance = seed_client("ec2", EU).run_instances(ImageId=AMI, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ctx = open_context((EU,))

    def malformed_profile(parsed: dict[str, Any], **_: Any) -> None:
        for reservation in parsed.get("Reservations", []):
            for listed in reservation["Instances"]:
                listed["IamInstanceProfile"] = {"Id": "AIPAEXAMPLE"}

    register_on_session(ctx, "after-call.ec2.DescribeInstances", malformed_profile)
    result = run(ctx)

    instance_arn = arn(EU, "instance", instance)
    (error,) = result.errors
    assert (error.operation, error.code, error.resource_id) == ("DescribeInstances", "IncompleteResponse", instance_arn)
    assert records(result, Instance)[instance_arn].instance_profile_arn is None
