"""Every Block Public Access setting applies to the bucket, from the bucket or the account."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.s3.exposure import account_block, effective_block
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_block_public_access",
    title="S3 bucket is covered by every Block Public Access setting",
    severity=Severity.MEDIUM,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket", "aws.s3.account"),
    reads=("aws.s3.bucket:public_access_block",),
    categories=(Category.PUBLIC_ACCESS,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.1.4"), ComplianceRef("cis-aws", "4.0.1", "2.1.4")),
    remediation=(
        "aws s3api put-public-access-block --bucket <bucket> --public-access-block-configuration "
        "BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    description=(
        "S3 applies the most restrictive combination of bucket and account Block Public Access "
        "settings; a bucket without all four in effect can be made public by one ACL or policy."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        account = account_block(snap, bucket.account)
        effective = effective_block(bucket.public_access_block, account)
        details: dict[str, Any] = {
            "sources": effective.sources,
            "bucket": bucket.public_access_block.flags() if bucket.public_access_block else None,
            "account": account.flags() if account else None,
        }
        if effective.unknown:
            layers = (("bucket", bucket.public_access_block), ("account", account))
            unread = [name for name, block in layers if block is None]
            reason = f"{' and '.join(unread)} settings not read; undecided: {', '.join(effective.unknown)}"
            yield SPEC.error(bucket, reason, undecided=list(effective.unknown), **details)
        elif effective.missing:
            reason = f"not blocked at bucket or account level: {', '.join(effective.missing)}"
            yield SPEC.fail(bucket, reason, missing=list(effective.missing), **details)
        else:
            yield SPEC.ok(bucket, "all four settings apply", **details)
