"""RDS DB instances keep automated backups for at least a week."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import RdsInstance
from scanner.snapshot import Snapshot

MIN_DAYS = 7

SPEC = CheckSpec(
    id="aws_rds_instance_backup_retention",
    title=f"RDS DB instance retains automated backups for at least {MIN_DAYS} days",
    severity=Severity.MEDIUM,
    provider="aws",
    service="rds",
    requires=(RdsInstance.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    remediation=(
        f"aws rds modify-db-instance --db-instance-identifier <id> --backup-retention-period "
        f"{MIN_DAYS} --apply-immediately"
    ),
    references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",),
    description=(
        "A retention period of 0 turns automated backups (and point-in-time recovery) off; "
        f"fewer than {MIN_DAYS} days may not reach back past the start of an incident."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for db in snap.resources(RdsInstance):
        days = db.backup_retention_period
        if days is None:
            yield SPEC.error(db, "BackupRetentionPeriod could not be read")
        elif days == 0:
            yield SPEC.fail(db, "automated backups are disabled", retention_days=0, minimum_days=MIN_DAYS)
        elif days < MIN_DAYS:
            yield SPEC.fail(db, f"automated backups are kept {days} days", retention_days=days, minimum_days=MIN_DAYS)
        else:
            yield SPEC.ok(db, f"automated backups are kept {days} days", retention_days=days, minimum_days=MIN_DAYS)
