"""Every EBS volume is encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_ec2 import Volume
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_volume_encrypted",
    title="EBS volume is encrypted",
    severity=Severity.MEDIUM,
    provider="aws",
    service="ec2",
    requires=(Volume.TYPE,),
    categories=(Category.ENCRYPTION,),
    remediation=(
        "a volume cannot be encrypted in place: snapshot it, copy the snapshot with --encrypted "
        "(aws ec2 copy-snapshot --encrypted --kms-key-id <key>), create a volume from the copy "
        "and swap it in; then enable encryption by default for the region"
    ),
    references=("https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",),
    description=(
        "An unencrypted volume, and every snapshot taken from it, holds its data in the "
        "clear at rest; anyone who obtains a copy of the snapshot can read it."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for volume in snap.resources(Volume):
        if volume.encrypted is None:
            yield SPEC.error(volume, "the volume's encryption could not be read")
        elif volume.encrypted:
            yield SPEC.ok(volume, "the volume is encrypted", kms_key_id=volume.kms_key_id)
        else:
            yield SPEC.fail(volume, "the volume is not encrypted", attached_to=list(volume.attached_to),
                            state=volume.state)
