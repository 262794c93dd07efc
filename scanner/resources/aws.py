"""AWS resource records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class S3Grant:
    grantee_type: str  # Group, CanonicalUser or AmazonCustomerByEmail
    grantee: str  # the group URI, canonical user id or e-mail address
    permission: str  # READ, WRITE, READ_ACP, WRITE_ACP or FULL_CONTROL


@dataclass(frozen=True)
class S3Acl:
    owner_id: str | None
    grants: tuple[S3Grant, ...] = ()


@dataclass(frozen=True)
class PublicAccessBlock:
    """Block Public Access flags; ``configured`` is False when none was ever set,
    which S3 treats as all four flags off."""

    block_public_acls: bool = False
    ignore_public_acls: bool = False
    block_public_policy: bool = False
    restrict_public_buckets: bool = False
    configured: bool = True

    def all_enabled(self) -> bool:
        return (
            self.block_public_acls
            and self.ignore_public_acls
            and self.block_public_policy
            and self.restrict_public_buckets
        )

    def flags(self) -> dict[str, bool]:
        return {
            "BlockPublicAcls": self.block_public_acls,
            "IgnorePublicAcls": self.ignore_public_acls,
            "BlockPublicPolicy": self.block_public_policy,
            "RestrictPublicBuckets": self.restrict_public_buckets,
        }


@dataclass(frozen=True)
class S3Encryption:
    algorithm: str | None  # AES256, aws:kms or aws:kms:dsse; None: no default encryption
    kms_key_id: str | None = None
    bucket_key_enabled: bool = False


@dataclass(frozen=True)
class S3Versioning:
    status: str | None  # Enabled, Suspended, or None when versioning was never enabled
    mfa_delete: bool = False


@dataclass(frozen=True)
class S3Logging:
    target_bucket: str | None  # None: server access logging is off
    target_prefix: str = ""


@dataclass(frozen=True)
class S3BucketPolicy:
    document: dict[str, Any] | None  # the parsed policy; None: the bucket has no policy
    # S3's own verdict from GetBucketPolicyStatus; None when there is no policy or it
    # could not be read. Evidence only: the checks reason from the document.
    is_public: bool | None = None


@dataclass(frozen=True, kw_only=True)
class S3Bucket(Resource):
    TYPE: ClassVar[str] = "aws.s3.bucket"
    PROVIDER: ClassVar[str] = "aws"

    creation_date: str | None = None
    acl: S3Acl | None = None
    policy: S3BucketPolicy | None = None
    public_access_block: PublicAccessBlock | None = None
    encryption: S3Encryption | None = None
    versioning: S3Versioning | None = None
    logging: S3Logging | None = None
    # BucketOwnerEnforced, BucketOwnerPreferred or ObjectWriter (also what a bucket
    # without ownership controls behaves as)
    object_ownership: str | None = None


@dataclass(frozen=True, kw_only=True)
class S3AccountSettings(Resource):
    """Account-wide S3 settings: one record per account."""

    TYPE: ClassVar[str] = "aws.s3.account"
    PROVIDER: ClassVar[str] = "aws"

    public_access_block: PublicAccessBlock | None = None


AWS_RESOURCE_TYPES: tuple[type[Resource], ...] = (S3Bucket, S3AccountSettings)
