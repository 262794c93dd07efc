"""RDS DB instances are not publicly accessible."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_data import RdsInstance
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_rds_instance_public",
    title="RDS DB instance is not publicly accessible",
    severity=Severity.HIGH,
    provider="aws",
    service="rds",
    requires=(RdsInstance.TYPE,),
    categories=(Category.PUBLIC_ACCESS, Category.NETWORK),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.3.3"), ComplianceRef("cis-aws", "4.0.1", "2.2.3")),
    remediation="aws rds modify-db-instance --db-instance-identifier <id> --no-publicly-accessible --apply-immediately",
    references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",),
    description=(
        "A publicly accessible instance gets a public IP address and a DNS name that resolves "
        "to it from the internet; only its security groups then stand between the database "
        "and everyone."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for db in snap.resources(RdsInstance):
        if db.publicly_accessible is None:
            yield SPEC.error(db, "PubliclyAccessible could not be read")
        elif db.publicly_accessible:
            yield SPEC.fail(db, "the instance is publicly accessible", publicly_accessible=True, engine=db.engine)
        else:
            yield SPEC.ok(db, "the instance is not publicly accessible", publicly_accessible=False)
