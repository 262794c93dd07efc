"""S3 bucket policy denies requests that do not use TLS."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.policy import PolicyError, insecure_transport_denial
from checks.aws.s3.exposure import bucket_arn
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_secure_transport",
    title="S3 bucket policy denies requests without TLS",
    severity=Severity.MEDIUM,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:policy",),
    categories=(Category.ENCRYPTION, Category.NETWORK),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.1.1"), ComplianceRef("cis-aws", "4.0.1", "2.1.1")),
    remediation=(
        'Add to the bucket policy {"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*",'
        '"Action":"s3:*","Resource":["arn:aws:s3:::<bucket>","arn:aws:s3:::<bucket>/*"],'
        '"Condition":{"Bool":{"aws:SecureTransport":"false"}}} and apply it with '
        "aws s3api put-bucket-policy --bucket <bucket> --policy file://policy.json"
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
        "https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule",
    ),
    description=(
        "S3 accepts plain HTTP unless a bucket policy denies it; without TLS, object data "
        "and request signatures cross the network readable and open to tampering."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        if bucket.policy is None:
            yield SPEC.error(bucket, "bucket policy could not be read")
            continue
        if bucket.policy.document is None:
            yield SPEC.fail(bucket, "no bucket policy, so plain HTTP is allowed", has_policy=False)
            continue
        try:
            deny = insecure_transport_denial(
                bucket.policy.document,
                actions=("s3:GetObject",),
                resource_prefix=f"{bucket_arn(bucket)}/",
                tls_version_keys=("s3:TlsVersion",),
            )
        except PolicyError as exc:
            yield SPEC.error(bucket, f"bucket policy could not be parsed: {exc}")
            continue
        if deny is None:
            yield SPEC.fail(bucket, "no policy statement denies requests without TLS", has_policy=True)
        else:
            yield SPEC.ok(bucket, "requests without TLS are denied", has_policy=True, statement=deny.as_detail())
