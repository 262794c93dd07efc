"""S3 bucket ACL grants no access to AllUsers or AuthenticatedUsers."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.s3.exposure import Verdict, account_block, assess
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_acl_public",
    title="S3 bucket ACL does not grant access to everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket", "aws.s3.account"),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "aws s3api put-bucket-acl --bucket <bucket> --acl private; then disable ACLs with "
        "aws s3api put-bucket-ownership-controls --bucket <bucket> "
        "--ownership-controls 'Rules=[{ObjectOwnership=BucketOwnerEnforced}]'"
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/about-object-ownership.html",
    ),
    description=(
        "An ACL grant to AllUsers or AuthenticatedUsers lets anyone on the internet (or any "
        "AWS customer) list, read or write the bucket. A grant that IgnorePublicAcls or "
        "disabled ACLs currently override is reported at low severity: removing that "
        "setting would expose the bucket again."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        exposure = assess(bucket, account_block(snap, bucket.account))
        route = exposure.acl
        details = exposure.details(route)
        if route.verdict is Verdict.UNKNOWN:
            yield SPEC.error(bucket, route.undecided_reason(), **details)
        elif route.verdict is Verdict.PUBLIC:
            yield SPEC.fail(bucket, "the ACL grants access to everyone", **details)
        elif route.verdict is Verdict.NEUTRALISED:
            reason = f"latent public ACL grant, overridden by {', '.join(route.neutralised_by)}"
            yield SPEC.fail(bucket, reason, severity=Severity.LOW, **details)
        else:
            yield SPEC.ok(bucket, "no public ACL grant", **details)
