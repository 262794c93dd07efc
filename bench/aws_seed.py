"""Filling moto's backends with N buckets, security groups and IAM users.

This runs inside the moto process (``aws_world``): the records are written straight into
moto's in-memory backends. Over HTTP the same ~6 writes per resource ran at about 200 a
second on this machine, minutes at N = 5,000; in-process it takes seconds. ``verify``
then reads one resource of each kind and each configuration back over HTTP, so a backend
write the server renders differently fails loudly here instead of passing for a scanner
result.

The mix gives the collectors every branch they have on a real account: public ACLs,
bucket policies, tags, versioning, default encryption, Block Public Access; SSH open to
the internet, HTTPS from a private range, no ingress; access keys, inline and attached
policies, console passwords.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"
READ_POLICY = {"Version": "2012-10-17",
               "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}]}
# Block Public Access as moto keeps it after parsing the XML body: strings
ALL_BLOCKED = {k: "true" for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}


class SeedMismatch(Exception):
    """The server does not serve what was written into its backends."""


@dataclass(frozen=True)
class AwsSeedCounts:
    buckets: int
    security_groups: int
    users: int

    @property
    def resources(self) -> int:
        return self.buckets + self.security_groups + self.users


def seed(n: int) -> AwsSeedCounts:
    """N of each kind in ``REGION`` of ``ACCOUNT``; moto must have been reset before."""
    from moto.ec2.models import ec2_backends
    from moto.iam.models import iam_backends
    from moto.s3.models import s3_backends

    s3 = s3_backends[ACCOUNT]["aws"]
    ec2 = ec2_backends[ACCOUNT][REGION]
    iam = iam_backends[ACCOUNT]["global"]
    policy = iam.create_policy(description="", path="/", policy_document=json.dumps(READ_POLICY),
                               policy_name="bench-read", tags=[])
    for i in range(n):
        _bucket(s3, i)
        _security_group(ec2, i)
        _user(iam, i, policy.arn)
    return AwsSeedCounts(buckets=n, security_groups=n, users=n)


def bucket_name(i: int) -> str:
    return f"bench-bucket-{i:05d}"


def group_name(i: int) -> str:
    return f"bench-sg-{i:05d}"


def user_name(i: int) -> str:
    return f"bench-user-{i:05d}"


def _bucket(s3: Any, i: int) -> None:
    from moto.s3.models import get_canned_acl

    name = bucket_name(i)
    s3.create_bucket(name, REGION)
    if i % 4 == 0:
        s3.put_bucket_acl(name, get_canned_acl("public-read"))
    if i % 4 == 1:  # deny plain HTTP
        s3.put_bucket_policy(name, json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                           "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                           "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}).encode())
    if i % 3 == 0:
        s3.put_bucket_tagging(name, {"team": f"t{i % 7}"})
    if i % 5 == 0:
        s3.put_bucket_versioning(name, "Enabled")
    if i % 5 == 1:
        s3.put_bucket_encryption(name, {"Rule": {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}})
    if i % 6 == 2:
        s3.put_public_access_block(name, dict(ALL_BLOCKED))


def _security_group(ec2: Any, i: int) -> None:
    tags = {"team": f"t{i % 7}"} if i % 3 == 0 else None
    group = ec2.create_security_group(group_name(i), "bench", tags=tags)
    if i % 3 == 0:  # SSH from anywhere
        ec2.authorize_security_group_ingress(group.id, "tcp", 22, 22, [{"CidrIp": "0.0.0.0/0"}])
    elif i % 3 == 1:  # HTTPS from a private range only
        ec2.authorize_security_group_ingress(group.id, "tcp", 443, 443, [{"CidrIp": "10.0.0.0/8"}])


def _user(iam: Any, i: int, policy_arn: str) -> None:
    name = user_name(i)
    tags = [{"Key": "team", "Value": f"t{i % 7}"}] if i % 5 == 0 else None
    iam.create_user(REGION, name, tags=tags)
    if i % 2 == 0:
        iam.create_access_key(name)
    if i % 3 == 0:
        iam.put_user_policy(name, "inline", json.dumps(READ_POLICY))
    if i % 4 == 0:
        iam.attach_user_policy(policy_arn, name)
    if i % 7 == 0:
        iam.create_login_profile(name, f"Bench-{i}-password!")  # a throwaway for the emulator


def verify(url: str, seeded: AwsSeedCounts) -> None:
    """Read resource 0 (and 1 and 2, for the settings they carry) back over HTTP."""
    import boto3

    if seeded.buckets < 3:
        return  # the sample below needs three of each
    session = boto3.Session()
    s3 = session.client("s3", region_name=REGION, endpoint_url=url)
    ec2 = session.client("ec2", region_name=REGION, endpoint_url=url)
    iam = session.client("iam", region_name=REGION, endpoint_url=url)
    grants = s3.get_bucket_acl(Bucket=bucket_name(0))["Grants"]
    _expect(any(g["Grantee"].get("URI", "").endswith("/AllUsers") for g in grants), "bucket 0 is public-read")
    _expect(s3.get_bucket_versioning(Bucket=bucket_name(0)).get("Status") == "Enabled", "bucket 0 is versioned")
    _expect(bool(s3.get_bucket_tagging(Bucket=bucket_name(0))["TagSet"]), "bucket 0 is tagged")
    _expect("Statement" in json.loads(s3.get_bucket_policy(Bucket=bucket_name(1))["Policy"]), "bucket 1 has a policy")
    rules = s3.get_bucket_encryption(Bucket=bucket_name(1))["ServerSideEncryptionConfiguration"]["Rules"]
    _expect(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", "bucket 1 is encrypted")
    block = s3.get_public_access_block(Bucket=bucket_name(2))["PublicAccessBlockConfiguration"]
    _expect(block.get("BlockPublicAcls") is True, "bucket 2 blocks public access")
    group = ec2.describe_security_groups(GroupNames=[group_name(0)])["SecurityGroups"][0]
    _expect(group["IpPermissions"][0]["IpRanges"][0]["CidrIp"] == "0.0.0.0/0", "group 0 opens SSH")
    _expect(bool(iam.list_access_keys(UserName=user_name(0))["AccessKeyMetadata"]), "user 0 has a key")
    _expect(iam.list_user_policies(UserName=user_name(0))["PolicyNames"] == ["inline"], "user 0 has an inline policy")
    _expect(bool(iam.list_attached_user_policies(UserName=user_name(0))["AttachedPolicies"]), "user 0 has a policy")
    iam.get_login_profile(UserName=user_name(0))


def _expect(condition: bool, what: str) -> None:
    if not condition:
        raise SeedMismatch(f"seeded but not served: {what}")
