"""S3 bucket policy grants no access to everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.s3.exposure import route_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_policy_public",
    title="S3 bucket policy does not grant access to everyone",
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
        "Remove or confine the public statements (fixed principals, aws:SourceVpce, "
        "aws:PrincipalOrgID) and apply with aws s3api put-bucket-policy --bucket <bucket> "
        "--policy file://policy.json; then aws s3api put-public-access-block --bucket <bucket> "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
    ),
    description=(
        "A bucket policy statement that allows any principal, with no condition confining it "
        "to a network, organisation or account, opens the bucket to the internet. A public "
        "policy that RestrictPublicBuckets currently overrides is reported at low severity."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return route_findings(SPEC, snap, "policy", "policy statement")
