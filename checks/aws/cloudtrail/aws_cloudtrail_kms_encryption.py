"""Every trail encrypts its log files with a KMS key that can still be used."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import ENABLED_STATE, CloudTrailTrail, KmsKey
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_kms_encryption",
    title="CloudTrail trail encrypts its logs with a KMS key",
    severity=Severity.MEDIUM,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE, KmsKey.TYPE),
    categories=(Category.LOGGING, Category.ENCRYPTION),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.5"), ComplianceRef("cis-aws", "4.0.1", "3.5")),
    remediation="aws cloudtrail update-trail --name <trail> --kms-key-id <customer-managed key ARN>",
    references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html",),
    description=(
        "SSE-KMS puts reading the logs behind a key policy as well as the bucket policy. A trail "
        "without a key fails; so does one whose key is in a scanned region of a scanned account "
        "but is not enabled or no longer exists (CloudTrail cannot encrypt new files with it). A key "
        "outside the scan (another account or region) is trusted and reported with state null; a "
        "key that could not be read gives ERROR."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    keys = snap.resources(KmsKey)
    for trail in snap.resources(CloudTrailTrail):
        if not trail.kms_key_id:
            yield SPEC.fail(trail, "log files are encrypted with SSE-S3 only, not a KMS key", kms_key_id=None)
            continue
        arn = _key_arn(trail)
        _, _, _, region, account, _ = (arn.split(":", 5) + [""] * 6)[:6]
        key = next((k for k in keys if k.resource_id == arn), None)
        if key is not None:
            if key.key_state == ENABLED_STATE:
                yield SPEC.ok(trail, "log files are encrypted with an enabled KMS key", kms_key_id=arn,
                              key_state=key.key_state)
            else:
                yield SPEC.fail(trail, f"the trail's KMS key is {key.key_state}: new log files cannot be encrypted",
                                kms_key_id=arn, key_state=key.key_state)
        elif not _scanned(snap, account, region):
            yield SPEC.ok(trail, "log files are encrypted with a KMS key outside the scan", kms_key_id=arn,
                          key_state=None)
        elif _unread(snap, account, region, arn):
            yield SPEC.error(trail, "the trail's KMS key could not be read", kms_key_id=arn)
        else:
            yield SPEC.fail(trail, "the trail's KMS key does not exist", kms_key_id=arn, key_state="missing")


def _key_arn(trail: CloudTrailTrail) -> str:
    """CloudTrail answers with the key's ARN; a bare key id is in the trail's home region."""
    if trail.kms_key_id.startswith("arn:"):
        return trail.kms_key_id
    partition = trail.trail_arn.split(":")[1] if trail.trail_arn.startswith("arn:") else "aws"
    return f"arn:{partition}:kms:{trail.home_region}:{trail.account}:key/{trail.kms_key_id}"


def _scanned(snap: Snapshot, account: str, region: str) -> bool:
    return any(s.provider == "aws" and s.account == account and region in s.regions for s in snap.scopes)


def _unread(snap: Snapshot, account: str, region: str, arn: str) -> bool:
    return any(
        e.resource_type == KmsKey.TYPE and e.account == account and e.region == region
        and e.resource_id in (None, arn)
        for e in snap.errors
    )
