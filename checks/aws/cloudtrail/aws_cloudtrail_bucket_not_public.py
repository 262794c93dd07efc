"""The S3 bucket a trail delivers to is not publicly accessible."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.cloudtrail.trail_bucket import find
from checks.aws.s3.exposure import Verdict, account_block, assess
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3AccountSettings, S3Bucket
from scanner.resources.aws_logging import CloudTrailTrail
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_bucket_not_public",
    title="The CloudTrail S3 bucket is not publicly accessible",
    severity=Severity.CRITICAL,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE, S3Bucket.TYPE, S3AccountSettings.TYPE),
    reads=(
        "aws.s3.bucket:policy",
        "aws.s3.bucket:public_access_block",
        "aws.s3.bucket:acl",
        "aws.s3.bucket:object_ownership",
    ),
    categories=(Category.LOGGING, Category.PUBLIC_ACCESS),
    remediation=(
        "Remove the public ACL grants and policy statements from the trail's bucket, then "
        "aws s3api put-public-access-block --bucket <trail bucket> --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    references=(
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    description=(
        "Audit logs show every API call in the account; a public trail bucket hands them to "
        "anyone. Judged by the same rules as the S3 public-access checks (ACL and policy, with "
        "bucket and account Block Public Access and object ownership); a public grant that Block "
        "Public Access overrides is reported at low severity. A bucket outside the scanned "
        "accounts gives ERROR."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for trail in snap.resources(CloudTrailTrail):
        found = find(snap, trail)
        bucket = found.bucket
        if bucket is None:
            yield SPEC.error(trail, found.problem, bucket=trail.s3_bucket_name)
            continue
        exposure = assess(bucket, account_block(snap, bucket.account))
        routes = (exposure.acl, exposure.policy)
        details: dict[str, Any] = {
            "bucket": bucket.name,
            "routes": {r.name: exposure.details(r) for r in routes},
        }
        public = [r.name for r in routes if r.verdict is Verdict.PUBLIC]
        unknown = [r for r in routes if r.verdict is Verdict.UNKNOWN]
        latent = [r.name for r in routes if r.verdict is Verdict.NEUTRALISED]
        if public:
            yield SPEC.fail(trail, f"bucket {bucket.name} is public through its {' and '.join(public)}",
                            exposed_via=public, **details)
        elif unknown:
            yield SPEC.error(trail, f"bucket {bucket.name}: {unknown[0].undecided_reason()}", **details)
        elif latent:
            yield SPEC.fail(trail, f"bucket {bucket.name} has a latent public {' and '.join(latent)}, "
                            "overridden by Block Public Access", severity=Severity.LOW, exposed_via=latent, **details)
        else:
            yield SPEC.ok(trail, f"bucket {bucket.name} is not public", exposed_via=[], **details)
