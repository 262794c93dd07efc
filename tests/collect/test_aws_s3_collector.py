"""The S3 collector against moto in server mode: real boto3 clients over HTTP.

The tests seed moto with their own (writing) clients, then run the collector through
``AwsContext`` (read-only guarded) and assert the records field by field. Failures are
injected with botocore event handlers on the scanner's session, so the rest of the
request path stays real.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner.collect.aws.context import AwsContext, WriteOperationRefused
from scanner.collect.aws.s3 import COLLECTOR, location_region
from scanner.collect.base import CollectResult
from scanner.collect.pool import Pool
from scanner.resources.aws import (
    PublicAccessBlock,
    S3AccountSettings,
    S3Acl,
    S3Bucket,
    S3BucketPolicy,
    S3Encryption,
    S3Grant,
    S3Logging,
    S3Versioning,
)
from scanner.snapshot import CollectionError

ACCOUNT = "123456789012"
US = "us-east-1"
EU = "eu-west-1"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
KMS_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"

PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::skyscan-public-policy/*",
        }
    ],
}
ORG_ONLY_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "OrgRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::skyscan-kms/*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
        }
    ],
}

# Every per-bucket read the collector makes (GetBucketLocation only when ListBuckets
# gives no region; GetBucketPolicyStatus only when a policy exists).
BUCKET_READS = {
    "GetBucketLocation",
    "GetBucketAcl",
    "GetBucketPolicy",
    "GetBucketPolicyStatus",
    "GetPublicAccessBlock",
    "GetBucketEncryption",
    "GetBucketVersioning",
    "GetBucketLogging",
    "GetBucketOwnershipControls",
    "GetBucketTagging",
}


# helpers -------------------------------------------------------------------------------


class CallLog:
    """Every API call made by clients the context creates from now on, as
    (operation, bucket or None), counted once per call (retries are not calls)."""

    def __init__(self, ctx: AwsContext) -> None:
        self.calls: list[tuple[str, str | None]] = []
        register_on_session(ctx, "before-call.*.*", self._seen)

    def _seen(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, context.get("input_params", {}).get("Bucket")))

    def per_bucket(self) -> dict[str, Counter[str]]:
        found: dict[str, Counter[str]] = {}
        for operation, bucket in self.calls:
            if bucket is not None:
                found.setdefault(bucket, Counter())[operation] += 1
        return found

    def operations(self) -> Counter[str]:
        return Counter(operation for operation, _ in self.calls)


def answer_with_error(
    ctx: AwsContext, service: str, operation: str, code: str, *, bucket: str | None = None, status: int = 403
) -> None:
    """Make the scanner's ``service`` clients answer ``operation`` (for ``bucket``, when
    given) with an error response instead of sending the request."""

    def respond(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if bucket is not None and context.get("input_params", {}).get("Bucket") != bucket:
            return None
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("http://injected", status, HTTPHeaders(), None), parsed

    register_on_session(ctx, f"before-call.{service}.{operation}", respond)


def register_on_session(ctx: AwsContext, event: str, handler: Callable[..., Any]) -> None:
    """Hook every client the context creates from now on (a handler that returns a
    response short-circuits the request; the stubs only know handlers returning None)."""
    events: Any = ctx.session.events
    events.register(event, handler)


def run(ctx: AwsContext) -> CollectResult:
    result = CollectResult()
    COLLECTOR.collect(ctx, result)
    return result


def buckets(result: CollectResult) -> dict[str, S3Bucket]:
    found = {r.name: r for r in result.records if isinstance(r, S3Bucket)}
    assert len(found) == sum(isinstance(r, S3Bucket) for r in result.records)
    return found


def account_settings(result: CollectResult) -> S3AccountSettings:
    (record,) = [r for r in result.records if isinstance(r, S3AccountSettings)]
    return record


def arn(name: str) -> str:
    return f"arn:aws:s3:::{name}"


# fixtures ------------------------------------------------------------------------------


@pytest.fixture
def seeded(seed_client: Callable[..., Any]) -> None:
    """Five buckets in two regions, each configured differently, plus account-level BPA."""
    us = seed_client("s3", US)
    eu = seed_client("s3", EU)

    # us-east-1: a log target with nothing else configured, and a public-ACL bucket
    us.create_bucket(Bucket="skyscan-logs")
    us.put_bucket_acl(Bucket="skyscan-logs", ACL="log-delivery-write")
    us.create_bucket(Bucket="skyscan-public-acl")
    us.put_bucket_acl(Bucket="skyscan-public-acl", ACL="public-read")
    us.put_bucket_tagging(
        Bucket="skyscan-public-acl",
        Tagging={"TagSet": [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "security"}]},
    )
    us.put_bucket_versioning(Bucket="skyscan-public-acl", VersioningConfiguration={"Status": "Enabled"})
    us.put_bucket_logging(
        Bucket="skyscan-public-acl",
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "skyscan-logs", "TargetPrefix": "access/"}},
    )
    us.put_bucket_ownership_controls(
        Bucket="skyscan-public-acl", OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )

    # eu-west-1: KMS, full bucket BPA, enforced ownership, a policy narrowed by a condition
    eu.create_bucket(Bucket="skyscan-kms", CreateBucketConfiguration={"LocationConstraint": EU})
    eu.put_bucket_encryption(
        Bucket="skyscan-kms",
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": KMS_KEY},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    eu.put_bucket_policy(Bucket="skyscan-kms", Policy=json.dumps(ORG_ONLY_POLICY))
    eu.put_public_access_block(
        Bucket="skyscan-kms",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    eu.put_bucket_ownership_controls(
        Bucket="skyscan-kms", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    eu.put_bucket_versioning(Bucket="skyscan-kms", VersioningConfiguration={"Status": "Enabled"})
    eu.put_bucket_versioning(Bucket="skyscan-kms", VersioningConfiguration={"Status": "Suspended"})

    # eu-west-1: a public policy, partial BPA, SSE-S3, BucketOwnerPreferred
    eu.create_bucket(Bucket="skyscan-public-policy", CreateBucketConfiguration={"LocationConstraint": EU})
    eu.put_bucket_policy(Bucket="skyscan-public-policy", Policy=json.dumps(PUBLIC_POLICY))
    eu.put_public_access_block(Bucket="skyscan-public-policy", PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    eu.put_bucket_encryption(
        Bucket="skyscan-public-policy",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    eu.put_bucket_ownership_controls(
        Bucket="skyscan-public-policy", OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )

    # the legacy "EU" location constraint, which means eu-west-1 (moto takes it only
    # on a us-east-1 client, and answers GetBucketLocation with "EU")
    us.create_bucket(Bucket="skyscan-eu-legacy", CreateBucketConfiguration={"LocationConstraint": "EU"})

    seed_client("s3control", US).put_public_access_block(
        AccountId=ACCOUNT,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": False,
            "RestrictPublicBuckets": False,
        },
    )


# records, field by field ----------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_every_bucket_in_every_region_is_read_field_by_field(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    result = run(ctx)

    assert result.errors == []
    found = buckets(result)
    assert sorted(found) == [
        "skyscan-eu-legacy",
        "skyscan-kms",
        "skyscan-logs",
        "skyscan-public-acl",
        "skyscan-public-policy",
    ]
    for name, bucket in found.items():
        assert bucket.account == ACCOUNT
        assert bucket.resource_id == arn(name)
        assert bucket.creation_date is not None and bucket.creation_date.startswith("20")
        assert bucket.acl is not None and bucket.acl.owner_id

    public_acl = found["skyscan-public-acl"]
    assert public_acl.region == US
    assert public_acl.tags == {"env": "prod", "team": "security"}
    assert public_acl.acl is not None
    owner = public_acl.acl.owner_id
    assert public_acl.acl == S3Acl(
        owner_id=owner,
        grants=(
            S3Grant("CanonicalUser", str(owner), "FULL_CONTROL"),
            S3Grant("Group", ALL_USERS, "READ"),
        ),
    )
    assert public_acl.policy == S3BucketPolicy(document=None, is_public=None)
    assert public_acl.public_access_block == PublicAccessBlock(configured=False)
    assert public_acl.encryption == S3Encryption(algorithm=None)
    assert public_acl.versioning == S3Versioning(status="Enabled", mfa_delete=False)
    assert public_acl.logging == S3Logging(target_bucket="skyscan-logs", target_prefix="access/")
    assert public_acl.object_ownership == "ObjectWriter"

    logs = found["skyscan-logs"]  # nothing configured: every "not configured" value
    assert logs.region == US
    assert logs.tags == {}
    assert logs.acl is not None
    # moto answers a grant holding two permissions (log-delivery-write: WRITE and
    # READ_ACP) with its first permission only
    assert S3Grant("Group", LOG_DELIVERY, "READ_ACP") in logs.acl.grants
    assert logs.policy == S3BucketPolicy(document=None)
    assert logs.public_access_block == PublicAccessBlock(
        block_public_acls=False,
        ignore_public_acls=False,
        block_public_policy=False,
        restrict_public_buckets=False,
        configured=False,
    )
    assert logs.encryption == S3Encryption(algorithm=None, kms_key_id=None, bucket_key_enabled=False)
    assert logs.versioning == S3Versioning(status=None, mfa_delete=False)
    assert logs.logging == S3Logging(target_bucket=None)
    assert logs.object_ownership == "ObjectWriter"  # no ownership controls behaves so

    kms = found["skyscan-kms"]
    assert kms.region == EU
    assert kms.encryption == S3Encryption(algorithm="aws:kms", kms_key_id=KMS_KEY, bucket_key_enabled=True)
    assert kms.policy == S3BucketPolicy(document=ORG_ONLY_POLICY, is_public=False)
    assert kms.public_access_block == PublicAccessBlock(True, True, True, True, configured=True)
    assert kms.object_ownership == "BucketOwnerEnforced"
    assert kms.versioning == S3Versioning(status="Suspended", mfa_delete=False)
    assert kms.logging == S3Logging(target_bucket=None)
    assert kms.tags == {}

    public_policy = found["skyscan-public-policy"]
    assert public_policy.region == EU
    assert public_policy.policy == S3BucketPolicy(document=PUBLIC_POLICY, is_public=True)
    assert public_policy.public_access_block == PublicAccessBlock(
        block_public_acls=True,
        ignore_public_acls=False,
        block_public_policy=False,
        restrict_public_buckets=False,
        configured=True,
    )
    assert public_policy.encryption == S3Encryption(algorithm="AES256", kms_key_id=None, bucket_key_enabled=False)
    assert public_policy.object_ownership == "BucketOwnerPreferred"

    assert found["skyscan-eu-legacy"].region == EU

    account = account_settings(result)
    assert account == S3AccountSettings(
        account=ACCOUNT,
        region=US,
        resource_id=f"arn:aws:s3::{ACCOUNT}:account",
        name=ACCOUNT,
        public_access_block=PublicAccessBlock(
            block_public_acls=True,
            ignore_public_acls=True,
            block_public_policy=False,
            restrict_public_buckets=False,
            configured=True,
        ),
    )


@pytest.mark.usefixtures("seeded")
def test_only_buckets_in_the_scanned_regions_are_read(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context((EU,))
    log = CallLog(ctx)
    result = run(ctx)

    assert result.errors == []
    assert sorted(buckets(result)) == ["skyscan-eu-legacy", "skyscan-kms", "skyscan-public-policy"]
    assert {b.region for b in buckets(result).values()} == {EU}
    # buckets outside the scope are located, never read
    per_bucket = log.per_bucket()
    for name in ("skyscan-logs", "skyscan-public-acl"):
        assert set(per_bucket[name]) == {"GetBucketLocation"}
    # the account-wide settings do not belong to a region: still read
    assert account_settings(result).public_access_block is not None


def test_no_buckets_and_no_account_block_public_access(open_context: Callable[..., AwsContext]) -> None:
    result = run(open_context())

    assert result.errors == []
    assert buckets(result) == {}
    assert account_settings(result).public_access_block == PublicAccessBlock(configured=False)


@pytest.mark.usefixtures("seeded")
def test_bucket_region_from_list_buckets_is_used_without_get_bucket_location(
    open_context: Callable[..., AwsContext],
) -> None:
    # moto's ListBuckets has no BucketRegion yet; real S3 now returns it for each bucket
    regions = {
        "skyscan-logs": US,
        "skyscan-public-acl": US,
        "skyscan-kms": EU,
        "skyscan-public-policy": EU,
        "skyscan-eu-legacy": EU,
    }
    ctx = open_context()

    def add_bucket_region(parsed: dict[str, Any], **_: Any) -> None:
        for bucket in parsed.get("Buckets", []):
            bucket["BucketRegion"] = regions[bucket["Name"]]

    register_on_session(ctx, "after-call.s3.ListBuckets", add_bucket_region)
    log = CallLog(ctx)
    result = run(ctx)

    assert result.errors == []
    assert {name: b.region for name, b in buckets(result).items()} == regions
    assert log.operations()["GetBucketLocation"] == 0


def test_location_constraints_map_to_regions() -> None:
    assert location_region(None) == "us-east-1"
    assert location_region("") == "us-east-1"
    assert location_region("EU") == "eu-west-1"
    assert location_region("ap-southeast-2") == "ap-southeast-2"


# calls ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_each_read_is_made_at_most_once_per_bucket(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    log = CallLog(ctx)
    run(ctx)

    per_bucket = log.per_bucket()
    assert sorted(per_bucket) == sorted(buckets_in_seed())
    for name, counts in per_bucket.items():
        assert set(counts) <= BUCKET_READS, name
        assert max(counts.values()) == 1, (name, counts)
        with_policy = name in ("skyscan-kms", "skyscan-public-policy")
        assert ("GetBucketPolicyStatus" in counts) is with_policy, name
        assert set(counts) | {"GetBucketPolicyStatus"} == BUCKET_READS, name
    operations = log.operations()
    assert operations["ListBuckets"] == 1
    assert operations["GetPublicAccessBlock"] == 5 + 1  # every bucket, and the account


def buckets_in_seed() -> list[str]:
    return ["skyscan-eu-legacy", "skyscan-kms", "skyscan-logs", "skyscan-public-acl", "skyscan-public-policy"]


# failures ------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_a_failed_read_is_a_typed_error_and_the_other_fields_are_still_read(
    open_context: Callable[..., AwsContext],
) -> None:
    ctx = open_context()
    answer_with_error(ctx, "s3", "GetBucketEncryption", "AccessDenied", bucket="skyscan-kms")
    answer_with_error(ctx, "s3", "GetBucketTagging", "AccessDenied", bucket="skyscan-public-acl")
    answer_with_error(ctx, "s3", "GetBucketPolicyStatus", "NotImplemented", bucket="skyscan-public-policy", status=501)
    result = run(ctx)

    assert sorted(result.errors, key=lambda e: e.operation) == [
        CollectionError(
            provider="aws",
            account=ACCOUNT,
            region=EU,
            service="s3",
            operation="GetBucketEncryption",
            code="AccessDenied",
            message="injected AccessDenied",
            resource_type="aws.s3.bucket",
            resource_id=arn("skyscan-kms"),
        ),
        CollectionError(
            provider="aws",
            account=ACCOUNT,
            region=EU,
            service="s3",
            operation="GetBucketPolicyStatus",
            code="NotImplemented",
            message="injected NotImplemented",
            resource_type="aws.s3.bucket",
            resource_id=arn("skyscan-public-policy"),
        ),
        CollectionError(
            provider="aws",
            account=ACCOUNT,
            region=US,
            service="s3",
            operation="GetBucketTagging",
            code="AccessDenied",
            message="injected AccessDenied",
            resource_type="aws.s3.bucket",
            resource_id=arn("skyscan-public-acl"),
        ),
    ]
    found = buckets(result)
    kms = found["skyscan-kms"]
    assert kms.encryption is None  # unread, not "no encryption"
    assert kms.policy == S3BucketPolicy(document=ORG_ONLY_POLICY, is_public=False)
    assert kms.public_access_block == PublicAccessBlock(True, True, True, True)
    assert kms.versioning == S3Versioning(status="Suspended")
    assert kms.object_ownership == "BucketOwnerEnforced"
    assert found["skyscan-public-acl"].tags == {}
    assert found["skyscan-public-acl"].versioning == S3Versioning(status="Enabled")
    # S3's own verdict is lost, the document is not
    assert found["skyscan-public-policy"].policy == S3BucketPolicy(document=PUBLIC_POLICY, is_public=None)
    # other buckets are untouched
    assert found["skyscan-public-policy"].encryption == S3Encryption(algorithm="AES256")


def test_a_policy_that_is_not_json_is_an_error_not_a_missing_policy(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    s3 = seed_client("s3", US)
    s3.create_bucket(Bucket="skyscan-broken-policy")
    s3.put_bucket_policy(Bucket="skyscan-broken-policy", Policy="{not json")  # moto stores it as given
    ctx = open_context()
    log = CallLog(ctx)
    result = run(ctx)

    (error,) = result.errors
    assert (error.operation, error.code, error.resource_id) == (
        "GetBucketPolicy",
        "MalformedPolicy",
        arn("skyscan-broken-policy"),
    )
    bucket = buckets(result)["skyscan-broken-policy"]
    assert bucket.policy is None
    assert bucket.acl is not None and bucket.encryption == S3Encryption(algorithm=None)
    assert log.operations()["GetBucketPolicyStatus"] == 0


class _Body:
    """The raw stream of an injected HTTP response."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


def answer_on_the_wire(ctx: AwsContext, operation: str, status: int, code: str, bucket: str) -> list[int]:
    """Make every HTTP attempt of an S3 ``operation`` on ``bucket`` get an S3 error
    document; inside botocore's retry loop, so retries happen as for a real answer.
    Returns the list that counts the attempts."""
    attempts: list[int] = []
    body = f"<Error><Code>{code}</Code><Message>injected {code}</Message></Error>".encode()

    def respond(request: Any, **_: Any) -> AWSResponse | None:
        if f"/{bucket}?" not in request.url:
            return None
        attempts.append(1)
        headers = HTTPHeaders()
        headers["Content-Type"] = "application/xml"
        return AWSResponse(request.url, status, headers, _Body(body))

    register_on_session(ctx, f"before-send.s3.{operation}", respond)
    return attempts


def test_a_server_error_is_retried_then_recorded(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    seed_client("s3", US).create_bucket(Bucket="skyscan-flaky")
    ctx = open_context()
    attempts = answer_on_the_wire(ctx, "GetBucketVersioning", 500, "InternalError", "skyscan-flaky")
    result = run(ctx)

    assert len(attempts) == 6  # the context's retry budget: 1 attempt + max_attempts=5 retries
    (error,) = result.errors
    assert (error.operation, error.code, error.resource_id) == (
        "GetBucketVersioning",
        "InternalError",
        arn("skyscan-flaky"),
    )
    bucket = buckets(result)["skyscan-flaky"]
    assert bucket.versioning is None
    assert bucket.logging == S3Logging(target_bucket=None)


def test_throttling_past_the_retry_budget_is_reported_as_throttled(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # throttling back-off (exponential, and the adaptive mode's client-side rate
    # limiter) would wait many seconds: skip the waiting, keep the retrying
    monkeypatch.setattr("botocore.retries.standard.ExponentialBackoff.delay_amount", lambda self, context: 0)
    monkeypatch.setattr("botocore.retries.bucket.TokenBucket.acquire", lambda self, amount=1, block=True: True)
    seed_client("s3", US).create_bucket(Bucket="skyscan-throttled")
    ctx = open_context()
    attempts = answer_on_the_wire(ctx, "GetBucketLogging", 503, "SlowDown", "skyscan-throttled")
    result = run(ctx)

    assert len(attempts) == 6
    (error,) = result.errors
    assert (error.operation, error.code, error.resource_id) == (
        "GetBucketLogging",
        "Throttled",
        arn("skyscan-throttled"),
    )
    assert buckets(result)["skyscan-throttled"].logging is None


@pytest.mark.usefixtures("seeded")
def test_list_buckets_failing_is_a_scope_level_error_with_no_bucket_records(
    open_context: Callable[..., AwsContext],
) -> None:
    ctx = open_context()
    answer_with_error(ctx, "s3", "ListBuckets", "AccessDenied")
    log = CallLog(ctx)
    result = run(ctx)

    assert result.errors == [
        CollectionError(
            provider="aws",
            account=ACCOUNT,
            region=US,
            service="s3",
            operation="ListBuckets",
            code="AccessDenied",
            message="injected AccessDenied",
            resource_type="aws.s3.bucket",
            resource_id=None,
        )
    ]
    assert buckets(result) == {}
    assert log.per_bucket() == {}
    # the account-wide settings are read independently of the listing
    assert account_settings(result).public_access_block is not None


@pytest.mark.usefixtures("seeded")
def test_account_block_public_access_failing_is_an_error_on_the_account_record(
    open_context: Callable[..., AwsContext],
) -> None:
    ctx = open_context()
    answer_with_error(ctx, "s3-control", "GetPublicAccessBlock", "AccessDenied")
    result = run(ctx)

    account_arn = f"arn:aws:s3::{ACCOUNT}:account"
    assert account_settings(result) == S3AccountSettings(
        account=ACCOUNT, region=US, resource_id=account_arn, name=ACCOUNT, public_access_block=None
    )
    (error,) = result.errors
    assert (error.service, error.operation, error.code, error.resource_type, error.resource_id) == (
        "s3control",
        "GetPublicAccessBlock",
        "AccessDenied",
        "aws.s3.account",
        account_arn,
    )
    assert len(buckets(result)) == 5


def test_a_failed_location_read_still_reports_the_bucket(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    seed_client("s3", EU).create_bucket(Bucket="skyscan-hidden", CreateBucketConfiguration={"LocationConstraint": EU})
    ctx = open_context()
    answer_with_error(ctx, "s3", "GetBucketLocation", "AccessDenied", bucket="skyscan-hidden")
    result = run(ctx)

    (error,) = result.errors
    assert (error.operation, error.code, error.resource_id) == (
        "GetBucketLocation",
        "AccessDenied",
        arn("skyscan-hidden"),
    )
    bucket = buckets(result)["skyscan-hidden"]
    assert (bucket.acl, bucket.policy, bucket.encryption, bucket.public_access_block) == (None, None, None, None)


@pytest.mark.usefixtures("seeded")
def test_a_bucket_deleted_after_listing_is_dropped_without_error(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    ctx = open_context()
    s3 = seed_client("s3", US)

    def delete_after_listing(**_: Any) -> None:
        s3.delete_bucket(Bucket="skyscan-public-acl")

    register_on_session(ctx, "after-call.s3.ListBuckets", delete_after_listing)
    result = run(ctx)

    assert result.errors == []
    assert "skyscan-public-acl" not in buckets(result)
    assert len(buckets(result)) == 4


# the S3 Control endpoint ----------------------------------------------------------------


def test_account_settings_are_read_when_the_endpoint_comes_from_the_environment(
    aws_endpoint: str, pool: Pool, seed_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the CLI's end-to-end tests point botocore at moto with AWS_ENDPOINT_URL only
    seed_client("s3control", US).put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration={"BlockPublicPolicy": True}
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
    ctx = AwsContext.open(profile=None, regions=None, endpoint_url=None, pool=pool)
    result = run(ctx)

    assert result.errors == []
    assert account_settings(result).public_access_block == PublicAccessBlock(block_public_policy=True)


def test_against_aws_itself_the_account_host_prefix_is_kept(aws_endpoint: str, pool: Pool) -> None:
    # aws_endpoint only for its clean environment: no endpoint override here, and the
    # requests are answered in-process before they would leave the machine
    import boto3

    ctx = AwsContext(
        boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=US),
        account=ACCOUNT,
        home_region=US,
        regions=None,
        endpoint_url=None,
        pool=pool,
    )
    sent: list[str] = []
    body = (
        b"<Error><Code>NoSuchPublicAccessBlockConfiguration</Code>"
        b"<Message>The public access block configuration was not found</Message></Error>"
    )

    def answer(request: Any, **_: Any) -> AWSResponse:
        sent.append(request.url)
        return AWSResponse(request.url, 404, HTTPHeaders(), _Body(body))

    register_on_session(ctx, "before-send.s3-control.*", answer)
    answer_with_error(ctx, "s3", "ListBuckets", "AccessDenied")
    result = run(ctx)

    assert sent == [f"https://{ACCOUNT}.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock"]
    assert account_settings(result).public_access_block == PublicAccessBlock(configured=False)


# the read-only guard --------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_the_scanner_clients_refuse_writes_and_nothing_changes(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    ctx = open_context()
    log = CallLog(ctx)
    s3 = ctx.client("s3", US)

    with pytest.raises(WriteOperationRefused, match="PutBucketAcl"):
        s3.put_bucket_acl(Bucket="skyscan-logs", ACL="public-read-write")
    with pytest.raises(WriteOperationRefused, match="DeleteBucket"):
        s3.delete_bucket(Bucket="skyscan-logs")
    with pytest.raises(WriteOperationRefused, match="DeletePublicAccessBlock"):
        ctx.client("s3control", US).delete_public_access_block(AccountId=ACCOUNT)

    seed = seed_client("s3", US)
    grants = seed.get_bucket_acl(Bucket="skyscan-logs")["Grants"]
    assert not [g for g in grants if g["Grantee"].get("URI") == ALL_USERS]
    assert "skyscan-logs" in [b["Name"] for b in seed.list_buckets()["Buckets"]]
    account = seed_client("s3control", US).get_public_access_block(AccountId=ACCOUNT)
    assert account["PublicAccessBlockConfiguration"]["BlockPublicAcls"] is True
    # refused before anything was sent: the reads above are the seed client's own
    assert {op for op, _ in log.calls} == {"PutBucketAcl", "DeleteBucket", "DeletePublicAccessBlock"}


def test_the_collector_declares_what_it_produces_and_needs() -> None:
    assert COLLECTOR.name == "aws.s3"
    assert COLLECTOR.produces == ("aws.s3.bucket", "aws.s3.account")
    assert COLLECTOR.record_types == (S3Bucket, S3AccountSettings)
    assert {
        "s3:ListAllMyBuckets",
        "s3:GetBucketAcl",
        "s3:GetBucketPolicy",
        "s3:GetEncryptionConfiguration",
        "s3:GetAccountPublicAccessBlock",
        "sts:GetCallerIdentity",
    } <= set(COLLECTOR.permissions)
