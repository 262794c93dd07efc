"""S3 bucket has ACLs disabled (object ownership BucketOwnerEnforced)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.s3.exposure import ACLS_DISABLED
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_acls_disabled",
    title="S3 bucket has ACLs disabled",
    severity=Severity.LOW,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:object_ownership",),
    categories=(Category.PUBLIC_ACCESS, Category.IDENTITY),
    remediation=(
        "aws s3api put-bucket-ownership-controls --bucket <bucket> "
        "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"
    ),
    references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",),
    description=(
        "With ACLs disabled the bucket owner owns every object and only policies grant access, "
        "so a forgotten bucket or object ACL can no longer share data."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        ownership = bucket.object_ownership
        if ownership is None:
            yield SPEC.error(bucket, "object ownership setting could not be read")
        elif ownership == ACLS_DISABLED:
            yield SPEC.ok(bucket, "ACLs are disabled", object_ownership=ownership)
        else:
            yield SPEC.fail(bucket, f"ACLs are enabled (object ownership {ownership})", object_ownership=ownership)
