"""New EBS volumes are encrypted by default in every region."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import EbsEncryptionDefault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_ebs_default_encryption",
    title="EBS encryption by default is enabled in the region",
    severity=Severity.MEDIUM,
    provider="aws",
    service="ec2",
    requires=(EbsEncryptionDefault.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.2.1"), ComplianceRef("cis-aws", "4.0.1", "5.1.1")),
    remediation="aws ec2 enable-ebs-encryption-by-default --region <region>",
    references=("https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",),
    description=(
        "The setting is per region and off unless someone turned it on. With it, every new "
        "volume and snapshot copy is encrypted whatever the launching tool asked for; "
        "existing volumes are not changed."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for setting in snap.resources(EbsEncryptionDefault):
        if setting.enabled is None:
            yield SPEC.error(setting, "the EBS encryption-by-default setting could not be read")
        elif setting.enabled:
            yield SPEC.ok(setting, "new EBS volumes are encrypted by default", enabled=True)
        else:
            yield SPEC.fail(setting, f"new EBS volumes in {setting.region} are not encrypted by default",
                            enabled=False)
