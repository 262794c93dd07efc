"""No EBS snapshot the account owns can be restored by everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.ec2.shares import is_public, shared_with
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_ec2 import EbsSnapshot
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_snapshot_public",
    title="EBS snapshot is not shared publicly",
    severity=Severity.CRITICAL,
    provider="aws",
    service="ec2",
    requires=(EbsSnapshot.TYPE,),
    categories=(Category.PUBLIC_ACCESS, Category.DATA_PROTECTION),
    remediation=(
        "aws ec2 modify-snapshot-attribute --snapshot-id <snap-id> --attribute createVolumePermission "
        "--operation-type remove --group-names all; then "
        "aws ec2 enable-snapshot-block-public-access --state block-all-sharing"
    ),
    references=(
        "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html",
        "https://docs.aws.amazon.com/ebs/latest/userguide/block-public-access-snapshots.html",
    ),
    description=(
        "A snapshot with the createVolumePermission group \"all\" can be copied into any AWS "
        "account and mounted: the whole disk, with whatever secrets it held, is public."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for snapshot in snap.resources(EbsSnapshot):
        permissions = snapshot.create_volume_permissions
        if permissions is None:
            yield SPEC.error(snapshot, "the snapshot's createVolumePermission could not be read")
        elif is_public(permissions):
            yield SPEC.fail(snapshot, "anyone can create a volume from this snapshot", public=True,
                            encrypted=snapshot.encrypted, **shared_with(permissions))
        else:
            yield SPEC.ok(snapshot, "the snapshot is not public", public=False, **shared_with(permissions))
