"""Customer-managed symmetric KMS keys rotate their key material automatically."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import KmsKey
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_kms_key_rotation_enabled",
    title="Customer-managed symmetric KMS key has automatic rotation enabled",
    severity=Severity.MEDIUM,
    provider="aws",
    service="kms",
    requires=(KmsKey.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.6"), ComplianceRef("cis-aws", "4.0.1", "3.6")),
    remediation="aws kms enable-key-rotation --key-id <key-id> --region <region>",
    references=("https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",),
    description=(
        "Rotation limits how much data one version of key material protects. Judged: enabled, "
        "customer-managed, symmetric encryption keys whose material KMS generated. Skipped, with "
        "no finding: AWS-managed keys (AWS rotates them), asymmetric and HMAC keys, imported or "
        "custom-key-store material (KMS cannot rotate those automatically), and keys that are "
        "disabled or pending deletion (they encrypt nothing new; re-enabling one brings it back "
        "under this check)."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for key in snap.resources(KmsKey):
        if not key.rotation_applies():
            continue
        if key.rotation is None:
            yield SPEC.error(key, "the key's rotation status could not be read")
        elif key.rotation.enabled:
            yield SPEC.ok(key, "automatic rotation is on", rotation_enabled=True,
                          rotation_period_days=key.rotation.period_days)
        else:
            yield SPEC.fail(key, "automatic rotation is off", rotation_enabled=False)
