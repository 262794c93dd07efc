"""S3 bucket ACL grants no access to AllUsers or AuthenticatedUsers."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.s3.exposure import route_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_acl_public",
    title="S3 bucket ACL does not grant access to everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket", "aws.s3.account"),
    reads=(
        "aws.s3.bucket:policy",
        "aws.s3.bucket:public_access_block",
        "aws.s3.bucket:acl",
        "aws.s3.bucket:object_ownership",
    ),
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
    return route_findings(SPEC, snap, "acl", "ACL grant")
