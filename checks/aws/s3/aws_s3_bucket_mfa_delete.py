"""S3 bucket requires MFA to delete object versions or change versioning."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_mfa_delete",
    title="S3 bucket has MFA delete enabled",
    severity=Severity.LOW,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:versioning",),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.1.2"), ComplianceRef("cis-aws", "4.0.1", "2.1.2")),
    remediation=(
        "As the root user: aws s3api put-bucket-versioning --bucket <bucket> "
        "--versioning-configuration Status=Enabled,MFADelete=Enabled "
        "--mfa '<root-mfa-device-arn> <code>'"
    ),
    references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/MultiFactorAuthenticationDelete.html",),
    description=(
        "MFA delete asks for a one-time code before an object version is permanently deleted "
        "or versioning is suspended, so stolen keys alone cannot erase the history."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        versioning = bucket.versioning
        if versioning is None:
            yield SPEC.error(bucket, "versioning configuration could not be read")
        elif versioning.mfa_delete:
            yield SPEC.ok(bucket, "MFA delete is enabled", mfa_delete=True, status=versioning.status)
        else:
            yield SPEC.fail(bucket, "MFA delete is not enabled", mfa_delete=False, status=versioning.status)
