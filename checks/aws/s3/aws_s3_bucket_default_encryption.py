"""S3 bucket encrypts new objects by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")

SPEC = CheckSpec(
    id="aws_s3_bucket_default_encryption",
    title="S3 bucket encrypts new objects by default",
    severity=Severity.MEDIUM,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    reads=("aws.s3.bucket:encryption",),
    categories=(Category.ENCRYPTION,),
    remediation=(
        "aws s3api put-bucket-encryption --bucket <bucket> --server-side-encryption-configuration "
        '\'{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"},'
        '"BucketKeyEnabled":true}]}\''
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/serv-side-encryption.html",
    ),
    description=(
        "Default encryption makes S3 encrypt every new object at rest, even when the "
        "uploader does not ask for it; SSE-KMS also puts reads under a key policy."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        enc = bucket.encryption
        if enc is None:
            yield SPEC.error(bucket, "default encryption configuration could not be read")
            continue
        details: dict[str, Any] = {
            "algorithm": enc.algorithm,
            "kms_key_id": enc.kms_key_id,
            "bucket_key_enabled": enc.bucket_key_enabled,
        }
        if enc.algorithm is None:
            yield SPEC.fail(bucket, "no default encryption", **details)
        elif enc.algorithm not in ALGORITHMS:
            yield SPEC.error(bucket, f"unrecognised encryption algorithm {enc.algorithm!r}", **details)
        else:
            yield SPEC.ok(bucket, f"new objects are encrypted with {enc.algorithm}", **details)
