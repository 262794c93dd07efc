"""The S3 bucket a trail delivers to, found in the snapshot by name.

Bucket names are global, so the bucket may belong to any scanned account (a central
logging account, when several are scanned). When it is in none of them the trail's
bucket cannot be judged: that is an ERROR naming the likely cause, never a PASS.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.resources.aws import S3Bucket
from scanner.resources.aws_logging import CloudTrailTrail
from scanner.snapshot import Snapshot


@dataclass(frozen=True)
class TrailBucket:
    bucket: S3Bucket | None
    problem: str = ""  # why ``bucket`` is None


def find(snap: Snapshot, trail: CloudTrailTrail) -> TrailBucket:
    if not trail.s3_bucket_name:
        return TrailBucket(None, "the trail names no S3 bucket")
    for bucket in snap.resources(S3Bucket):
        if bucket.name == trail.s3_bucket_name:
            return TrailBucket(bucket)
    if snap.scope_errors(S3Bucket.TYPE):
        return TrailBucket(None, f"bucket {trail.s3_bucket_name} is not in the snapshot: the bucket listing failed")
    return TrailBucket(
        None,
        f"bucket {trail.s3_bucket_name} is not in any scanned account (it may belong to a logging "
        "account: scan that account too)",
    )
