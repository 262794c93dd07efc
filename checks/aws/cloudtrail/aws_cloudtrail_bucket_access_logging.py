"""The S3 bucket a trail delivers to records server access logs."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.cloudtrail.trail_bucket import find
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.resources.aws_logging import CloudTrailTrail
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_bucket_access_logging",
    title="The CloudTrail S3 bucket has server access logging enabled",
    severity=Severity.LOW,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE, S3Bucket.TYPE),
    reads=("aws.s3.bucket:logging",),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.4"), ComplianceRef("cis-aws", "4.0.1", "3.4")),
    remediation=(
        "aws s3api put-bucket-logging --bucket <trail bucket> --bucket-logging-status "
        '\'{"LoggingEnabled":{"TargetBucket":"<access-log bucket>","TargetPrefix":"<trail bucket>/"}}\''
    ),
    references=("https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",),
    description=(
        "Access logs on the trail's bucket show who read, deleted or tried to reach the audit "
        "trail itself. One finding per trail; a bucket outside the scanned accounts gives ERROR."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for trail in snap.resources(CloudTrailTrail):
        found = find(snap, trail)
        bucket = found.bucket
        if bucket is None:
            yield SPEC.error(trail, found.problem, bucket=trail.s3_bucket_name)
        elif bucket.logging is None:
            yield SPEC.error(trail, "the bucket's logging configuration could not be read", bucket=bucket.name)
        elif bucket.logging.target_bucket:
            yield SPEC.ok(trail, f"access logs go to {bucket.logging.target_bucket}", bucket=bucket.name,
                          target_bucket=bucket.logging.target_bucket)
        else:
            yield SPEC.fail(trail, f"bucket {bucket.name} has no server access logging", bucket=bucket.name,
                            target_bucket=None)
