"""Amazon S3: every bucket's access, encryption, versioning and logging settings, and the
account-wide Block Public Access flags.

Per bucket (in ``ctx.pool``, on a client for the bucket's own region) each of these is
called exactly once: GetBucketAcl, GetBucketPolicy, GetBucketPolicyStatus (only when a
policy exists), GetPublicAccessBlock, GetBucketEncryption, GetBucketVersioning,
GetBucketLogging, GetBucketOwnershipControls and GetBucketTagging; GetBucketLocation
too, when ListBuckets did not give the bucket's region.

"Not configured" answers become concrete values; any other failure leaves that field
None and records a CollectionError naming the bucket ARN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code, partition_of
from scanner.collect.base import Call, CollectorSpec, CollectResult
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

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        GetBucketAclOutputTypeDef,
        GetBucketEncryptionOutputTypeDef,
        PublicAccessBlockConfigurationTypeDef,
    )
    from mypy_boto3_s3control import S3ControlClient

SERVICE = "s3"
BUCKET = S3Bucket.TYPE
ACCOUNT = S3AccountSettings.TYPE

# S3's answers for "this bucket has no such configuration": not errors.
NO_POLICY = "NoSuchBucketPolicy"
NO_PUBLIC_ACCESS_BLOCK = "NoSuchPublicAccessBlockConfiguration"
NO_ENCRYPTION = "ServerSideEncryptionConfigurationNotFoundError"
NO_OWNERSHIP_CONTROLS = "OwnershipControlsNotFoundError"
NO_TAG_SET = "NoSuchTagSet"
# A bucket without ownership controls behaves as ObjectWriter.
DEFAULT_OBJECT_OWNERSHIP = "ObjectWriter"

SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)

R = TypeVar("R")
T = TypeVar("T")


class _Vanished(Exception):
    """The bucket was deleted between ListBuckets and a read: drop it, no error."""


class _Failed(Exception):
    """A read failed; its CollectionError is already recorded."""


class MalformedPolicy(Exception):
    """GetBucketPolicy returned a document that is not a JSON object."""


@dataclass(frozen=True)
class _Listed:
    name: str
    creation_date: str | None
    region: str | None  # None: ListBuckets did not say (older APIs, emulators)


def collect(ctx: AwsContext, result: CollectResult) -> None:
    result.add(_account_settings(ctx, result))
    listed = _list_buckets(ctx, result)
    if listed is not None:
        ctx.pool.run(lambda bucket: _collect_bucket(ctx, result, bucket), listed)


# account level -----------------------------------------------------------------------


def _account_settings(ctx: AwsContext, result: CollectResult) -> S3AccountSettings:
    region = ctx.home_region
    arn = f"arn:{partition_of(region)}:s3::{ctx.account}:account"
    client = cast("S3ControlClient", ctx.client("s3control", region))
    block: PublicAccessBlock | None
    try:
        answer = client.get_public_access_block(AccountId=ctx.account)
    except SDK_ERRORS as exc:
        if error_code(exc) == NO_PUBLIC_ACCESS_BLOCK:
            block = PublicAccessBlock(configured=False)
        else:
            block = None
            result.fail(
                ctx.error(
                    exc,
                    region=region,
                    service="s3control",
                    operation="GetPublicAccessBlock",
                    resource_type=ACCOUNT,
                    resource_id=arn,
                )
            )
    else:
        block = _public_access_block(answer.get("PublicAccessBlockConfiguration", {}))
    return S3AccountSettings(
        account=ctx.account,
        region=region,
        resource_id=arn,
        name=ctx.account,
        public_access_block=block,
    )


# listing -----------------------------------------------------------------------------


def _list_buckets(ctx: AwsContext, result: CollectResult) -> list[_Listed] | None:
    """Every bucket of the account, or None (with a scope-level error) when the
    listing failed: a partial list is never passed off as the whole."""
    client = cast("S3Client", ctx.client(SERVICE, ctx.home_region))
    listed: list[_Listed] = []
    try:
        for page in client.get_paginator("list_buckets").paginate():
            for bucket in page.get("Buckets", []):
                created = bucket.get("CreationDate")
                listed.append(
                    _Listed(
                        name=bucket["Name"],
                        creation_date=created.isoformat() if created is not None else None,
                        region=bucket.get("BucketRegion") or None,
                    )
                )
    except SDK_ERRORS as exc:
        result.fail(
            ctx.error(exc, region=ctx.home_region, service=SERVICE, operation="ListBuckets", resource_type=BUCKET)
        )
        return None
    return listed


def location_region(constraint: str | None) -> str:
    """GetBucketLocation's LocationConstraint as a region name."""
    if not constraint:
        return "us-east-1"
    if constraint == "EU":
        return "eu-west-1"
    return constraint


# per bucket --------------------------------------------------------------------------


def _collect_bucket(ctx: AwsContext, result: CollectResult, listed: _Listed) -> None:
    region = listed.region
    if region is None:
        region = _locate(ctx, result, listed)
        if region is None:
            return
    if ctx.regions is not None and region not in ctx.regions:
        return
    reader = _BucketReader(ctx, listed.name, region, lambda name: result.wants(BUCKET, name))
    try:
        record = reader.read(listed.creation_date)
    except _Vanished:
        return
    for error in reader.errors:
        result.fail(error)
    result.add(record)


def _locate(ctx: AwsContext, result: CollectResult, listed: _Listed) -> str | None:
    """The bucket's region from GetBucketLocation. When that fails the bucket is still
    reported (every field unread, under the home region), never silently skipped."""
    client = cast("S3Client", ctx.client(SERVICE, ctx.home_region))
    try:
        answer = client.get_bucket_location(Bucket=listed.name)
    except SDK_ERRORS as exc:
        if error_code(exc) == "NoSuchBucket":
            return None
        arn = bucket_arn(listed.name, ctx.home_region)
        result.fail(
            ctx.error(
                exc,
                region=ctx.home_region,
                service=SERVICE,
                operation="GetBucketLocation",
                resource_type=BUCKET,
                resource_id=arn,
            )
        )
        result.add(
            S3Bucket(
                account=ctx.account,
                region=ctx.home_region,
                resource_id=arn,
                name=listed.name,
                creation_date=listed.creation_date,
            )
        )
        return None
    return location_region(answer.get("LocationConstraint"))


def bucket_arn(name: str, region: str) -> str:
    return f"arn:{partition_of(region)}:s3:::{name}"


class _BucketReader:
    """The reads for one bucket; errors are kept until the bucket is known to exist."""

    def __init__(self, ctx: AwsContext, name: str, region: str, wants: Callable[[str], bool]) -> None:
        self.ctx = ctx
        self.wants = wants  # whether a selected check reads this field: if not, it stays unread
        self.name = name
        self.region = region
        self.arn = bucket_arn(name, region)
        self.client = cast("S3Client", ctx.client(SERVICE, region))
        self.errors: list[CollectionError] = []

    def read(self, creation_date: str | None) -> S3Bucket:
        return S3Bucket(
            account=self.ctx.account,
            region=self.region,
            resource_id=self.arn,
            name=self.name,
            tags=self._tags() if self.wants("tags") else {},
            creation_date=creation_date,
            acl=self._wanted("acl", lambda: _acl(self._get("GetBucketAcl", self.client.get_bucket_acl))),
            policy=self._wanted("policy", self._policy),
            public_access_block=self._wanted("public_access_block", self._public_access_block),
            encryption=self._wanted("encryption", self._encryption),
            versioning=self._wanted("versioning", self._versioning),
            logging=self._wanted("logging", self._logging),
            object_ownership=self._wanted("object_ownership", self._object_ownership),
        )

    def _wanted(self, name: str, read: Callable[[], T]) -> T | None:
        return self._field(read) if self.wants(name) else None

    # one field each ------------------------------------------------------------------

    def _tags(self) -> dict[str, str]:
        # tags is not optional on a record: a failed read keeps {} and records the error
        try:
            answer = self._get_optional("GetBucketTagging", self.client.get_bucket_tagging, NO_TAG_SET)
        except _Failed:
            return {}
        return {} if answer is None else {tag["Key"]: tag["Value"] for tag in answer.get("TagSet", [])}

    def _policy(self) -> S3BucketPolicy:
        answer = self._get_optional("GetBucketPolicy", self.client.get_bucket_policy, NO_POLICY)
        if answer is None or not answer.get("Policy"):
            return S3BucketPolicy(document=None)
        try:
            document = json.loads(answer["Policy"])
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self._record(MalformedPolicy("the bucket policy is not a JSON object"), "GetBucketPolicy")
            raise _Failed
        # S3's own verdict is evidence only: its failure leaves is_public None, recorded
        status = self._field(lambda: self._get("GetBucketPolicyStatus", self.client.get_bucket_policy_status))
        is_public = None if status is None else status.get("PolicyStatus", {}).get("IsPublic")
        return S3BucketPolicy(document=document, is_public=is_public)

    def _public_access_block(self) -> PublicAccessBlock:
        answer = self._get_optional("GetPublicAccessBlock", self.client.get_public_access_block, NO_PUBLIC_ACCESS_BLOCK)
        if answer is None:
            return PublicAccessBlock(configured=False)
        return _public_access_block(answer.get("PublicAccessBlockConfiguration", {}))

    def _encryption(self) -> S3Encryption:
        answer = self._get_optional("GetBucketEncryption", self.client.get_bucket_encryption, NO_ENCRYPTION)
        return _encryption(answer)

    def _versioning(self) -> S3Versioning:
        answer = self._get("GetBucketVersioning", self.client.get_bucket_versioning)
        return S3Versioning(status=answer.get("Status"), mfa_delete=answer.get("MFADelete") == "Enabled")

    def _logging(self) -> S3Logging:
        answer = self._get("GetBucketLogging", self.client.get_bucket_logging)
        enabled = answer.get("LoggingEnabled")
        if not enabled:
            return S3Logging(target_bucket=None)
        return S3Logging(target_bucket=enabled.get("TargetBucket"), target_prefix=enabled.get("TargetPrefix", ""))

    def _object_ownership(self) -> str:
        answer = self._get_optional(
            "GetBucketOwnershipControls", self.client.get_bucket_ownership_controls, NO_OWNERSHIP_CONTROLS
        )
        rules = [] if answer is None else answer.get("OwnershipControls", {}).get("Rules", [])
        return rules[0]["ObjectOwnership"] if rules else DEFAULT_OBJECT_OWNERSHIP

    # plumbing ------------------------------------------------------------------------

    def _get(self, operation: str, call: Callable[..., R]) -> R:
        """``call(Bucket=name)``; a failure is recorded and raised as _Failed."""
        try:
            return call(Bucket=self.name)
        except SDK_ERRORS as exc:
            raise self._failure(exc, operation) from None

    def _get_optional(self, operation: str, call: Callable[..., R], absent: str) -> R | None:
        """Like _get, but None when S3 answers ``absent`` ("not configured")."""
        try:
            return call(Bucket=self.name)
        except SDK_ERRORS as exc:
            if error_code(exc) == absent:
                return None
            raise self._failure(exc, operation) from None

    def _failure(self, exc: Exception, operation: str) -> Exception:
        if error_code(exc) == "NoSuchBucket":
            return _Vanished()
        self._record(exc, operation)
        return _Failed()

    def _field(self, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except _Failed:
            return None

    def _record(self, exc: Exception, operation: str) -> None:
        self.errors.append(
            self.ctx.error(
                exc,
                region=self.region,
                service=SERVICE,
                operation=operation,
                resource_type=BUCKET,
                resource_id=self.arn,
            )
        )


# response shapes -> records ----------------------------------------------------------


def _acl(answer: GetBucketAclOutputTypeDef) -> S3Acl:
    grants = []
    for grant in answer.get("Grants", []):
        grantee: Any = grant.get("Grantee", {})
        kind = str(grantee.get("Type", ""))
        who = grantee.get("URI") or grantee.get("ID") or grantee.get("EmailAddress") or ""
        permission = str(grant.get("Permission", ""))
        grants.append(S3Grant(grantee_type=kind, grantee=str(who), permission=permission))
    return S3Acl(owner_id=answer.get("Owner", {}).get("ID"), grants=tuple(grants))


def _public_access_block(config: PublicAccessBlockConfigurationTypeDef) -> PublicAccessBlock:
    return PublicAccessBlock(
        block_public_acls=bool(config.get("BlockPublicAcls", False)),
        ignore_public_acls=bool(config.get("IgnorePublicAcls", False)),
        block_public_policy=bool(config.get("BlockPublicPolicy", False)),
        restrict_public_buckets=bool(config.get("RestrictPublicBuckets", False)),
        configured=True,
    )


def _encryption(answer: GetBucketEncryptionOutputTypeDef | None) -> S3Encryption:
    rules = [] if answer is None else answer.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    if not rules:
        return S3Encryption(algorithm=None)
    rule = rules[0]
    default = rule.get("ApplyServerSideEncryptionByDefault", {})
    return S3Encryption(
        algorithm=default.get("SSEAlgorithm"),
        kms_key_id=default.get("KMSMasterKeyID"),
        bucket_key_enabled=bool(rule.get("BucketKeyEnabled", False)),
    )


COLLECTOR = CollectorSpec(
    name="aws.s3",
    provider="aws",
    produces=(BUCKET, ACCOUNT),
    permissions=(
        "s3:ListAllMyBuckets",
        "s3:GetBucketLocation",
        "s3:GetBucketAcl",
        "s3:GetBucketPolicy",
        "s3:GetBucketPolicyStatus",
        "s3:GetBucketPublicAccessBlock",
        "s3:GetEncryptionConfiguration",
        "s3:GetBucketVersioning",
        "s3:GetBucketLogging",
        "s3:GetBucketOwnershipControls",
        "s3:GetBucketTagging",
        "s3:GetAccountPublicAccessBlock",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=(S3Bucket, S3AccountSettings),
    calls=(
        Call("s3control", "GetPublicAccessBlock"),
        Call("s3", "ListBuckets", pages=True),
        Call("s3", "GetBucketLocation", BUCKET, conditional=True),
        *(Call("s3", op, BUCKET, fills=(name,)) for op, name in (
            ("GetBucketAcl", "acl"), ("GetBucketPolicy", "policy"), ("GetPublicAccessBlock", "public_access_block"),
            ("GetBucketEncryption", "encryption"), ("GetBucketVersioning", "versioning"),
            ("GetBucketLogging", "logging"), ("GetBucketOwnershipControls", "object_ownership"),
            ("GetBucketTagging", "tags"),
        )),
        Call("s3", "GetBucketPolicyStatus", BUCKET, conditional=True, fills=("policy",)),
    ),
)
