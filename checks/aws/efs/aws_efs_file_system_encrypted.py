"""EFS file systems encrypt data at rest."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_data import EfsFileSystem
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_efs_file_system_encrypted",
    title="EFS file system is encrypted at rest",
    severity=Severity.MEDIUM,
    provider="aws",
    service="efs",
    requires=(EfsFileSystem.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.4.1"), ComplianceRef("cis-aws", "4.0.1", "2.3.1")),
    remediation=(
        "encryption at rest is chosen at creation: create a new file system with --encrypted "
        "(aws efs create-file-system --encrypted --kms-key-id <key>), copy the data (AWS DataSync) and switch over"
    ),
    references=("https://docs.aws.amazon.com/efs/latest/ug/encryption-at-rest.html",),
    description="An unencrypted file system stores its data and metadata in the clear at rest.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for fs in snap.resources(EfsFileSystem):
        if fs.encrypted is None:
            yield SPEC.error(fs, "the file system's encryption could not be read")
        elif fs.encrypted:
            yield SPEC.ok(fs, "the file system is encrypted", kms_key_id=fs.kms_key_id)
        else:
            yield SPEC.fail(fs, "the file system is not encrypted", encrypted=False)
