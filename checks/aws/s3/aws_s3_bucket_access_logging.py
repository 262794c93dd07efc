"""S3 bucket writes server access logs."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_access_logging",
    title="S3 bucket has server access logging enabled",
    severity=Severity.LOW,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:logging",),
    categories=(Category.LOGGING,),
    remediation=(
        "aws s3api put-bucket-logging --bucket <bucket> --bucket-logging-status "
        '\'{"LoggingEnabled":{"TargetBucket":"<log-bucket>","TargetPrefix":"<bucket>/"}}\''
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerLogs.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    description=(
        "Server access logs record every request to the bucket, which incident response and "
        "access reviews need to tell who read or changed what."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        logging = bucket.logging
        if logging is None:
            yield SPEC.error(bucket, "logging configuration could not be read")
        elif logging.target_bucket:
            yield SPEC.ok(
                bucket,
                f"access logs go to {logging.target_bucket}",
                target_bucket=logging.target_bucket,
                target_prefix=logging.target_prefix,
            )
        else:
            yield SPEC.fail(bucket, "server access logging is off", target_bucket=None)
