"""RDS DB instances take minor engine upgrades automatically."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_data import RdsInstance
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_rds_instance_auto_minor_upgrade",
    title="RDS DB instance has automatic minor version upgrade enabled",
    severity=Severity.LOW,
    provider="aws",
    service="rds",
    requires=(RdsInstance.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.3.2"), ComplianceRef("cis-aws", "4.0.1", "2.2.2")),
    remediation=(
        "aws rds modify-db-instance --db-instance-identifier <id> --auto-minor-version-upgrade "
        "--apply-immediately"
    ),
    references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Upgrading.html",),
    description=(
        "Minor engine versions carry security fixes; without automatic upgrades they wait "
        "for someone to apply them by hand."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for db in snap.resources(RdsInstance):
        if db.auto_minor_version_upgrade is None:
            yield SPEC.error(db, "AutoMinorVersionUpgrade could not be read")
        elif db.auto_minor_version_upgrade:
            yield SPEC.ok(db, "automatic minor version upgrade is enabled", auto_minor_version_upgrade=True)
        else:
            yield SPEC.fail(db, "automatic minor version upgrade is disabled", auto_minor_version_upgrade=False)
