"""The AWS half of ``skyscan demo``: moto in this process on 127.0.0.1, seeded from
``aws.json`` beside this file with the demo's own boto3 clients (writes reach only that
private emulator)."""

from __future__ import annotations

import argparse
import json
import logging
import os
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scanner import commands
from scanner.demo.cloud import DemoCloud

SEED = Path(__file__).with_name("aws.json")
# What the demo scans. IAM is left out: the emulator has no root-user row in its
# credential report and no Access Analyzer, so an IAM demo could only end incomplete.
DEMO_SERVICES = ("s3", "ec2", "vpc")
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "demo",
    "AWS_SECRET_ACCESS_KEY": "demo",
    "AWS_SESSION_TOKEN": "demo",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def start(stack: ExitStack, common: dict[str, Any]) -> DemoCloud:
    """Start and seed the emulator (stopped when ``stack`` closes); ``common`` holds the
    collection settings both clouds share."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise commands.UsageError("the demo needs the AWS emulator: pip install 'skyscan[demo]'") from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # The demo's own throwaway identity: the user's real credentials never reach the emulator.
    os.environ.update(DUMMY_CREDENTIALS)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    stack.callback(server.stop)
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    seed = json.loads(SEED.read_text())
    seed_account(endpoint, seed)
    regions = sorted({b["region"] for b in seed["buckets"]})
    summary = (
        f"started an AWS emulator at {endpoint} and created {len(seed['buckets'])} buckets, "
        f"{len(seed['security_groups'])} security groups and {len(seed['volumes'])} volumes in "
        f"{' and '.join(regions)} ({SEED.name}); {', '.join(DEMO_SERVICES)} checks"
    )
    args = argparse.Namespace(
        provider="aws", profile=None, regions=regions, endpoint_url=endpoint, services=list(DEMO_SERVICES), **common
    )
    return DemoCloud("aws", args, summary)


def seed_account(endpoint: str, seed: dict[str, Any]) -> None:
    """Create the demo resources in the emulator (the demo's own clients, not the scanner's)."""
    import boto3

    for group in seed["security_groups"]:
        ec2 = boto3.client("ec2", region_name=group["region"], endpoint_url=endpoint)
        made = ec2.create_security_group(GroupName=group["name"], Description=group["description"])
        ec2.authorize_security_group_ingress(GroupId=made["GroupId"], IpPermissions=group["ingress"])
    for volume in seed["volumes"]:
        ec2 = boto3.client("ec2", region_name=volume["region"], endpoint_url=endpoint)
        ec2.create_volume(AvailabilityZone=f"{volume['region']}a", Size=volume["size"], Encrypted=volume["encrypted"])

    clients: dict[str, Any] = {}
    for bucket in seed["buckets"]:
        region = bucket["region"]
        s3 = clients.setdefault(region, boto3.client("s3", region_name=region, endpoint_url=endpoint))
        name = bucket["name"]
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if "ownership" in bucket:
            s3.put_bucket_ownership_controls(
                Bucket=name, OwnershipControls={"Rules": [{"ObjectOwnership": bucket["ownership"]}]}
            )
        if "acl" in bucket:
            s3.put_bucket_acl(Bucket=name, ACL=bucket["acl"])
        if "public_access_block" in bucket:
            s3.put_public_access_block(
                Bucket=name, PublicAccessBlockConfiguration=bucket["public_access_block"]
            )
        if "policy" in bucket:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps(bucket["policy"]))
        if "encryption" in bucket:
            rule = {"ApplyServerSideEncryptionByDefault": {
                k: v for k, v in bucket["encryption"].items() if k != "BucketKeyEnabled"}}
            if "BucketKeyEnabled" in bucket["encryption"]:
                rule["BucketKeyEnabled"] = bucket["encryption"]["BucketKeyEnabled"]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [rule]})
        if bucket.get("versioning"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if "logging" in bucket:
            s3.put_bucket_logging(Bucket=name, BucketLoggingStatus={"LoggingEnabled": bucket["logging"]})
        if "tags" in bucket:
            s3.put_bucket_tagging(
                Bucket=name, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in bucket["tags"].items()]}
            )
