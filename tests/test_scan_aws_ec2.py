"""End to end: ``skyscan scan aws`` over EC2 and VPC resources served by moto over HTTP.

Two regions hold one unsafe and one safe example of everything the EC2/VPC checks
judge; every unsafe one must FAIL under the right check, account and region, and every
safe one must PASS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.reporting import assert_seeded_verdicts, findings_by_resource, load_report

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
US, EU = "us-east-1", "eu-west-1"
AMI = "ami-0123456789abcdef0"
WORLD = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


def run_skyscan(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)


def arn(region: str, kind: str, resource: str, *, owned: bool = True) -> str:
    return f"arn:aws:ec2:{region}:{ACCOUNT if owned else ''}:{kind}/{resource}"


def seed(seed_client: Callable[..., Any]) -> dict[str, dict[str, str]]:
    """Unsafe and safe resources in two regions; returns {"unsafe"|"safe": {label: arn}}."""
    unsafe: dict[str, str] = {}
    safe: dict[str, str] = {}
    # the safe instances run with a role (CIS 1.18); the IMDSv1 one has none
    seed_client("iam").create_instance_profile(InstanceProfileName="app")
    for region in (US, EU):
        ec2 = seed_client("ec2", region)
        zone = f"{region}a"
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
        tag = region.split("-")[0]

        open_group = ec2.create_security_group(GroupName=f"open-{tag}", Description="x", VpcId=vpc)["GroupId"]
        closed_group = ec2.create_security_group(GroupName=f"closed-{tag}", Description="x", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=closed_group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, **WORLD},
        ])
        safe[f"group {region}"] = arn(region, "security-group", closed_group)

        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        safe[f"acl {region}"] = arn(region, "network-acl", acl)

        encrypted = ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=True)["VolumeId"]
        safe[f"volume {region}"] = arn(region, "volume", encrypted)

        v2 = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet, SecurityGroupIds=[closed_group],
                               MetadataOptions={"HttpTokens": "required"},
                               IamInstanceProfile={"Name": "app"})["Instances"][0]["InstanceId"]
        safe[f"instance {region}"] = arn(region, "instance", v2)

        if region == US:
            ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[{"IpProtocol": "-1", **WORLD}])
            unsafe["all traffic group"] = arn(region, "security-group", open_group)
            plain = ec2.create_volume(AvailabilityZone=zone, Size=1)["VolumeId"]
            unsafe["plain volume"] = arn(region, "volume", plain)
            v1 = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet,
                                   MetadataOptions={"HttpTokens": "optional"})["Instances"][0]["InstanceId"]
            unsafe["imdsv1 instance"] = arn(region, "instance", v1)
            unsafe["vpc without flow logs"] = arn(region, "vpc", vpc)
            unsafe["ebs default off"] = f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default"
            # a custom ACL allowing everything from anywhere, associated with the subnet
            open_acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
            ec2.create_network_acl_entry(NetworkAclId=open_acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                         Egress=False, CidrBlock="0.0.0.0/0")
            association = next(a["NetworkAclAssociationId"]
                               for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                                           "Values": [subnet]}])["NetworkAcls"][0][
                                   "Associations"] if a["SubnetId"] == subnet)
            ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=open_acl)
            unsafe["open acl"] = arn(region, "network-acl", open_acl)
        else:
            ec2.authorize_security_group_ingress(GroupId=open_group, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                {"IpProtocol": "tcp", "FromPort": 27017, "ToPort": 27017, **WORLD},
            ])
            unsafe["ssh and mongo group"] = arn(region, "security-group", open_group)
            ec2.enable_ebs_encryption_by_default()
            safe["ebs default on"] = f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default"
            seed_client("s3", region).create_bucket(Bucket="skyscan-e2e-flow-logs",
                                                    CreateBucketConfiguration={"LocationConstraint": region})
            ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                                 LogDestinationType="s3", LogDestination="arn:aws:s3:::skyscan-e2e-flow-logs")
            safe["vpc with flow logs"] = arn(region, "vpc", vpc)
            # the VPC's default group, emptied as CIS asks
            default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                            {"Name": "group-name", "Values": ["default"]}])
            group = default["SecurityGroups"][0]
            ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
            safe["locked default group"] = arn(region, "security-group", group["GroupId"])

            volume = ec2.create_volume(AvailabilityZone=zone, Size=1)["VolumeId"]
            public_snap = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
            ec2.modify_snapshot_attribute(SnapshotId=public_snap, Attribute="createVolumePermission",
                                          OperationType="add", GroupNames=["all"])
            unsafe["public snapshot"] = arn(region, "snapshot", public_snap, owned=False)
            private_snap = ec2.create_snapshot(VolumeId=encrypted)["SnapshotId"]
            safe["private snapshot"] = arn(region, "snapshot", private_snap, owned=False)
            public_ami = ec2.create_image(InstanceId=v2, Name="public")["ImageId"]
            ec2.modify_image_attribute(ImageId=public_ami, LaunchPermission={"Add": [{"Group": "all"}]})
            unsafe["public ami"] = arn(region, "image", public_ami, owned=False)
            private_ami = ec2.create_image(InstanceId=v2, Name="private")["ImageId"]
            safe["private ami"] = arn(region, "image", private_ami, owned=False)
    return {"unsafe": unsafe, "safe": safe}


# which checks must FAIL on each unsafe resource
EXPECTED_FAILURES = {
    "all traffic group": {"aws_ec2_security_group_admin_ports_open", "aws_ec2_security_group_all_ports_open",
                          "aws_ec2_security_group_database_ports_open"},
    "ssh and mongo group": {"aws_ec2_security_group_admin_ports_open", "aws_ec2_security_group_database_ports_open"},
    "open acl": {"aws_vpc_network_acl_admin_ports_open"},
    "plain volume": {"aws_ec2_volume_encrypted"},
    "imdsv1 instance": {"aws_ec2_instance_imdsv2_required", "aws_ec2_instance_iam_role"},
    "vpc without flow logs": {"aws_vpc_flow_logs_enabled"},
    "ebs default off": {"aws_ec2_ebs_default_encryption"},
    "public snapshot": {"aws_ec2_snapshot_public"},
    "public ami": {"aws_ec2_ami_public"},
}


@pytest.fixture
def seeded(seed_client: Callable[..., Any]) -> dict[str, dict[str, str]]:
    return seed(seed_client)


def test_unsafe_resources_fail_under_the_right_check_account_and_region_and_safe_ones_pass(
    aws_endpoint: str, seeded: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--regions", f"{US},{EU}", "--services", "ec2,vpc",
                       "--fail-on", "high", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(out)
    assert doc["errors"] == [] and doc["scan"]["complete"] is True
    by_resource = findings_by_resource(doc)
    unsafe = {resource_id: EXPECTED_FAILURES[label] for label, resource_id in seeded["unsafe"].items()}
    assert_seeded_verdicts(by_resource, unsafe, list(seeded["safe"].values()), ACCOUNT)

    ssh = by_resource[seeded["unsafe"]["ssh and mongo group"]]
    assert ssh["aws_ec2_security_group_admin_ports_open"]["details"]["families"] == ["ipv6"]
    assert ssh["aws_ec2_security_group_database_ports_open"]["details"]["services"] == ["MongoDB (tcp/27017)"]
    snapshot = by_resource[seeded["unsafe"]["public snapshot"]]["aws_ec2_snapshot_public"]
    assert snapshot["severity"] == "critical"
    assert {c["control"] for c in by_resource[seeded["unsafe"]["imdsv1 instance"]][
        "aws_ec2_instance_imdsv2_required"]["compliance"]} == {"5.6", "5.7"}
    # nothing outside the two regions asked for
    assert {f["region"] for f in doc["findings"]} == {US, EU}


def test_every_enabled_region_is_scanned_without_regions(aws_endpoint: str, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--checks", "aws_ec2_ebs_default_encryption", "-o",
                       f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    regions = {f["region"] for f in doc["findings"]}
    # the emulator's enabled regions in the aws partition; not-opted-in ones are skipped
    assert {US, EU, "ap-southeast-2", "sa-east-1"} <= regions and "ap-east-1" not in regions
    assert not any(r.startswith(("cn-", "us-gov-")) for r in regions)
    assert set(doc["scan"]["scopes"][0]["regions"]) == regions
    assert {f["status"] for f in doc["findings"]} == {"FAIL"}


def test_a_saved_snapshot_gives_the_same_verdicts_offline(
    aws_endpoint: str, seeded: dict[str, dict[str, str]], tmp_path: Path
) -> None:
    live, offline, snap = tmp_path / "live.json", tmp_path / "offline.json", tmp_path / "snap.json"
    selection = ("--regions", f"{US},{EU}", "--services", "ec2,vpc")
    proc = run_skyscan(aws_endpoint, "scan", "aws", *selection, "--save-snapshot", str(snap), "-o", f"json={live}")
    assert proc.returncode == 0, proc.stderr
    proc = run_skyscan("http://127.0.0.1:9", "scan", "--snapshot", str(snap), "--services", "ec2,vpc",
                       "-o", f"json={offline}")
    assert proc.returncode == 0, proc.stderr

    def verdicts(path: Path) -> list[tuple[str, str, str, Any]]:
        return [(f["fingerprint"], f["status"], f["severity"], f["details"]) for f in load_report(path)["findings"]]

    assert verdicts(live) == verdicts(offline)
    assert len(verdicts(live)) > 30
