"""RDS DB instances encrypt their storage at rest."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_data import RdsInstance
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_rds_instance_storage_encrypted",
    title="RDS DB instance storage is encrypted at rest",
    severity=Severity.MEDIUM,
    provider="aws",
    service="rds",
    requires=(RdsInstance.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.3.1"), ComplianceRef("cis-aws", "4.0.1", "2.2.1")),
    remediation=(
        "an instance cannot be encrypted in place: snapshot it, copy the snapshot with "
        "aws rds copy-db-snapshot --kms-key-id <key>, restore a new instance from the copy and switch over"
    ),
    references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",),
    description=(
        "Unencrypted storage leaves the database, its automated backups, read replicas and "
        "snapshots readable by anyone who obtains a copy of them."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for db in snap.resources(RdsInstance):
        if db.storage_encrypted is None:
            yield SPEC.error(db, "StorageEncrypted could not be read")
        elif db.storage_encrypted:
            yield SPEC.ok(db, "storage is encrypted", kms_key_id=db.kms_key_id)
        else:
            yield SPEC.fail(db, "storage is not encrypted", storage_encrypted=False, engine=db.engine)
