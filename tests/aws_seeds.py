"""Seeding helpers for end-to-end AWS tests: clients acting inside any account of the
emulator, and per-service pairs of one unsafe and one safe resource.

moto maps keys issued by ``sts:AssumeRole`` to the account in the role ARN, so a client
built from them writes into that account. Each ``seed_*`` function creates its pair in
one account and region and returns a ``Seeded`` per resource, naming the checks that
must FAIL on it (none for the safe one); a test compares that with a scan's findings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.collect.test_aws_data_collectors import seed_function
from tests.conftest import MOTO_ACCOUNT
from tests.test_scan_aws import ALL_BLOCKED
from tests.test_scan_aws_data import policy

ClientFactory = Callable[..., Any]  # (service, region="us-east-1") -> a writing boto3 client


@dataclass(frozen=True)
class Seeded:
    account: str
    region: str  # the region its findings carry ("global" for IAM)
    resource_id: str
    fails: frozenset[str]  # checks that must FAIL on it; empty: a safe resource


def seeded(account: str, region: str, resource_id: str, *fails: str) -> Seeded:
    return Seeded(account, region, resource_id, frozenset(fails))


def account_clients(seed_client: ClientFactory, endpoint: str, account: str) -> ClientFactory:
    """A factory like ``seed_client`` whose clients act inside ``account``."""
    if account == MOTO_ACCOUNT:
        return seed_client
    import boto3

    issued = seed_client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder",
                                            RoleSessionName="seeder")["Credentials"]
    session = boto3.Session(aws_access_key_id=issued["AccessKeyId"],
                            aws_secret_access_key=issued["SecretAccessKey"],
                            aws_session_token=issued["SessionToken"])

    def make(service: str, region: str = "us-east-1") -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint)  # type: ignore[call-overload]

    return make


def tls_only_policy(bucket: str, account: str, *, cloudtrail: bool = False) -> str:
    """Deny plain HTTP to everyone; optionally let CloudTrail deliver into the bucket."""
    statements: list[dict[str, Any]] = [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    if cloudtrail:
        statements.append({"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                           "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/AWSLogs/{account}/*"})
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def seed_s3(c: ClientFactory, account: str, region: str, *, trail_bucket: bool = False) -> list[Seeded]:
    """A bucket public by ACL with nothing else set, and a private bucket with every S3
    control on that moto keeps (Block Public Access, ACLs disabled, SSE, versioning,
    access logs to itself, TLS-only policy; moto drops MFA delete). Its name is ``private-<account>-<region>``."""
    s3 = c("s3", region)
    where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    public, private = f"public-{account}-{region}", f"private-{account}-{region}"
    s3.create_bucket(Bucket=public, **where)
    s3.put_bucket_acl(Bucket=public, ACL="public-read")

    s3.create_bucket(Bucket=private, **where)
    s3.put_bucket_acl(Bucket=private, ACL="log-delivery-write")  # before ACLs are disabled
    s3.put_bucket_logging(Bucket=private, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": private, "TargetPrefix": "access/"}})
    s3.put_public_access_block(Bucket=private, PublicAccessBlockConfiguration=ALL_BLOCKED)
    s3.put_bucket_ownership_controls(Bucket=private, OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_encryption(Bucket=private, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=private, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_policy(Bucket=private, Policy=tls_only_policy(private, account, cloudtrail=trail_bucket))
    return [
        seeded(account, region, f"arn:aws:s3:::{public}",
               "aws_s3_bucket_acl_public", "aws_s3_bucket_acls_disabled", "aws_s3_bucket_block_public_access",
               "aws_s3_bucket_default_encryption", "aws_s3_bucket_versioning",
               "aws_s3_bucket_access_logging", "aws_s3_bucket_secure_transport"),
        seeded(account, region, f"arn:aws:s3:::{private}"),
    ]


def ec2_arn(account: str, region: str, kind: str, resource: str) -> str:
    return f"arn:aws:ec2:{region}:{account}:{kind}/{resource}"


def seed_ec2(c: ClientFactory, account: str, region: str, *, ebs_default: bool, flow_log_bucket: str) -> list[Seeded]:
    """Two VPCs (flow logs on one, into ``flow_log_bucket``), a group open to SSH from
    anywhere and one open to SSH from a single range, an unencrypted and an encrypted
    volume, and EBS encryption by default on or off. Each VPC also gets its default
    group and network ACL from the platform: those are not seeded here."""
    ec2 = c("ec2", region)
    zone = f"{region}a"
    logged = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    unlogged = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceIds=[logged], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{flow_log_bucket}")
    ssh_open = ec2.create_security_group(GroupName="ssh-open", Description="x", VpcId=logged)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh_open, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ssh_office = ec2.create_security_group(GroupName="ssh-office", Description="x", VpcId=logged)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh_office, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]}])
    # volumes before the default changes, each with its encryption stated
    plain = ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=False)["VolumeId"]
    sealed = ec2.create_volume(AvailabilityZone=zone, Size=1, Encrypted=True)["VolumeId"]
    if ebs_default:
        ec2.enable_ebs_encryption_by_default()
    ebs = f"arn:aws:ec2:{region}:{account}:ebs-encryption-by-default"
    return [
        seeded(account, region, ec2_arn(account, region, "vpc", unlogged), "aws_vpc_flow_logs_enabled"),
        seeded(account, region, ec2_arn(account, region, "vpc", logged)),
        seeded(account, region, ec2_arn(account, region, "security-group", ssh_open),
               "aws_ec2_security_group_admin_ports_open"),
        seeded(account, region, ec2_arn(account, region, "security-group", ssh_office)),
        seeded(account, region, ec2_arn(account, region, "volume", plain), "aws_ec2_volume_encrypted"),
        seeded(account, region, ec2_arn(account, region, "volume", sealed)),
        seeded(account, region, ebs) if ebs_default else seeded(account, region, ebs, "aws_ec2_ebs_default_encryption"),
    ]


def seed_iam(c: ClientFactory, account: str) -> list[Seeded]:
    """A console user without MFA and one with it; a role with an inline ``*:*`` policy
    and one with a narrow inline policy. IAM is global: findings carry ``global``."""
    iam = c("iam")
    iam.create_user(UserName="console-no-mfa")
    iam.create_login_profile(UserName="console-no-mfa", Password="a-long-and-unguessable-passphrase")
    iam.create_user(UserName="console-mfa")
    iam.create_login_profile(UserName="console-mfa", Password="another-long-unguessable-passphrase")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="console-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="console-mfa", SerialNumber=serial, AuthenticationCode1="111111",
                          AuthenticationCode2="222222")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]})
    for role, action, resource in (("breakglass", "*", "*"), ("deployer", "s3:PutObject", "arn:aws:s3:::artifacts/*")):
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=role, PolicyName="inline", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}))
    iam_arn = f"arn:aws:iam::{account}"
    return [
        seeded(account, "global", f"{iam_arn}:user/console-no-mfa", "aws_iam_user_console_mfa"),
        seeded(account, "global", f"{iam_arn}:user/console-mfa"),
        seeded(account, "global", f"{iam_arn}:role/breakglass", "aws_iam_policy_no_full_admin"),
        seeded(account, "global", f"{iam_arn}:role/deployer"),
    ]


def seed_kms(c: ClientFactory, account: str, region: str) -> tuple[list[Seeded], str]:
    """A rotating and a non-rotating customer key; also returns the rotating key's ARN."""
    kms = c("kms", region)
    rotating = kms.create_key()["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=rotating)
    stale = kms.create_key()["KeyMetadata"]["Arn"]
    return [seeded(account, region, stale, "aws_kms_key_rotation_enabled"), seeded(account, region, rotating)], rotating


def account_trails(account: str) -> str:
    return f"arn:aws:cloudtrail::{account}:trails"


def seed_cloudtrail(c: ClientFactory, account: str, region: str, *, bucket: str, key: str) -> list[Seeded]:
    """A multi-region trail that logs, validates, encrypts with ``key`` and records S3
    data events, delivering into ``bucket`` (which must allow CloudTrail)."""
    trail = c("cloudtrail", region)
    arn = trail.create_trail(Name="organisation-audit", S3BucketName=bucket, IsMultiRegionTrail=True,
                             EnableLogFileValidation=True, KmsKeyId=key)["TrailARN"]
    trail.start_logging(Name="organisation-audit")
    trail.put_event_selectors(TrailName="organisation-audit", EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    return [seeded(account, region, arn)]


def config_recorders(account: str, region: str) -> str:
    return f"arn:aws:config:{region}:{account}:configuration-recorders"


def seed_config(c: ClientFactory, account: str, region: str, *, bucket: str) -> list[Seeded]:
    """A recorder of every supported type (global ones included), recording into ``bucket``."""
    config = c("config", region)
    config.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{account}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": bucket})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    return [seeded(account, region, config_recorders(account, region))]


def seed_rds(c: ClientFactory, account: str, region: str) -> list[Seeded]:
    """A public unencrypted instance and a private encrypted one; both upgrade and back up."""
    db = c("rds", region)
    common = {"DBInstanceClass": "db.t3.micro", "MasterUsername": "admin", "MasterUserPassword": "not-a-secret-1",
              "AllocatedStorage": 20, "Engine": "postgres", "AutoMinorVersionUpgrade": True,
              "BackupRetentionPeriod": 7}
    db.create_db_instance(DBInstanceIdentifier="open-db", PubliclyAccessible=True, StorageEncrypted=False, **common)
    db.create_db_instance(DBInstanceIdentifier="closed-db", PubliclyAccessible=False, StorageEncrypted=True, **common)
    rds = f"arn:aws:rds:{region}:{account}:db"
    return [
        seeded(account, region, f"{rds}:open-db", "aws_rds_instance_public", "aws_rds_instance_storage_encrypted"),
        seeded(account, region, f"{rds}:closed-db"),
    ]


def seed_efs(c: ClientFactory, account: str, region: str) -> list[Seeded]:
    files = c("efs", region)
    plain = files.create_file_system(CreationToken="plain", Encrypted=False)["FileSystemArn"]
    sealed = files.create_file_system(CreationToken="sealed", Encrypted=True)["FileSystemArn"]
    return [seeded(account, region, plain, "aws_efs_file_system_encrypted"), seeded(account, region, sealed)]


def seed_resource_policies(c: ClientFactory, account: str, region: str) -> list[Seeded]:
    """An SQS queue, SNS topic and Lambda function open to everyone, and one of each
    confined by a condition or a service principal."""
    own = {"StringEquals": {"aws:SourceAccount": account}}
    queues = c("sqs", region)
    queues.create_queue(QueueName="open", Attributes={"Policy": policy("*", "sqs:SendMessage")})
    queues.create_queue(QueueName="confined", Attributes={"Policy": policy("*", "sqs:SendMessage", own)})
    topics = c("sns", region)
    open_topic = topics.create_topic(Name="open")["TopicArn"]
    topics.set_topic_attributes(TopicArn=open_topic, AttributeName="Policy",
                                AttributeValue=policy({"AWS": "*"}, "SNS:Publish"))
    confined_topic = topics.create_topic(Name="confined")["TopicArn"]
    topics.set_topic_attributes(TopicArn=confined_topic, AttributeName="Policy",
                                AttributeValue=policy({"AWS": "*"}, "SNS:Publish", own))
    open_fn = seed_function(c, "open-fn", region, account)
    confined_fn = seed_function(c, "confined-fn", region, account)
    functions = c("lambda", region)
    functions.add_permission(FunctionName="open-fn", StatementId="anyone", Action="lambda:InvokeFunction",
                             Principal="*")
    functions.add_permission(FunctionName="confined-fn", StatementId="events", Action="lambda:InvokeFunction",
                             Principal="events.amazonaws.com",
                             SourceArn=f"arn:aws:events:{region}:{account}:rule/nightly")
    sqs = f"arn:aws:sqs:{region}:{account}"
    return [
        seeded(account, region, f"{sqs}:open", "aws_sqs_queue_policy_public"),
        seeded(account, region, f"{sqs}:confined"),
        seeded(account, region, open_topic, "aws_sns_topic_policy_public"),
        seeded(account, region, confined_topic),
        seeded(account, region, open_fn, "aws_lambda_function_policy_public"),
        seeded(account, region, confined_fn),
    ]


@dataclass(frozen=True)
class PlatformDefaults:
    """What the platform creates in a region by itself, as resource ids."""
    vpcs: frozenset[str]  # the default VPC
    security_groups: frozenset[str]  # every VPC's "default" group
    network_acls: frozenset[str]  # every VPC's default network ACL
    # alias/aws/ebs, made with the first encrypted volume; AWS-managed in AWS, but moto
    # reports KeyManager CUSTOMER for it
    ebs_keys: frozenset[str]


def platform_defaults(c: ClientFactory, account: str, region: str) -> PlatformDefaults:
    ec2 = c("ec2", region)
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    acls = ec2.describe_network_acls(Filters=[{"Name": "default", "Values": ["true"]}])["NetworkAcls"]
    kms = c("kms", region)
    keys = {k["KeyId"] for k in kms.list_keys()["Keys"]}  # moto lists reserved aliases of no key too
    aliases = [a for a in kms.list_aliases()["Aliases"] if a.get("TargetKeyId") in keys]
    return PlatformDefaults(
        frozenset(ec2_arn(account, region, "vpc", v["VpcId"]) for v in vpcs),
        frozenset(ec2_arn(account, region, "security-group", g["GroupId"]) for g in groups),
        frozenset(ec2_arn(account, region, "network-acl", a["NetworkAclId"]) for a in acls),
        frozenset(f"arn:aws:kms:{region}:{account}:key/{a['TargetKeyId']}" for a in aliases
                  if a["AliasName"] == "alias/aws/ebs"),
    )
