"""S3 bucket keeps object versions."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_versioning",
    title="S3 bucket has versioning enabled",
    severity=Severity.MEDIUM,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:versioning",),
    categories=(Category.DATA_PROTECTION,),
    remediation="aws s3api put-bucket-versioning --bucket <bucket> --versioning-configuration Status=Enabled",
    references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",),
    description=(
        "With versioning, an overwritten or deleted object can be restored; without it, "
        "one mistaken or malicious write destroys the data."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        if bucket.versioning is None:
            yield SPEC.error(bucket, "versioning configuration could not be read")
        elif bucket.versioning.status == "Enabled":
            yield SPEC.ok(bucket, "versioning is enabled", status="Enabled")
        else:
            state = (bucket.versioning.status or "never enabled").lower()
            yield SPEC.fail(bucket, f"versioning is {state}", status=bucket.versioning.status)
