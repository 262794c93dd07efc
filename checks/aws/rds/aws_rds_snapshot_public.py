"""Manual RDS DB snapshots and DB cluster snapshots are not shared with everyone."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import RdsSnapshot
from scanner.snapshot import Snapshot

EVERYONE = "all"

SPEC = CheckSpec(
    id="aws_rds_snapshot_public",
    title="RDS snapshot is not public",
    severity=Severity.CRITICAL,
    provider="aws",
    service="rds",
    requires=(RdsSnapshot.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "aws rds modify-db-snapshot-attribute --db-snapshot-identifier <id> --attribute-name restore "
        "--values-to-remove all (modify-db-cluster-snapshot-attribute for a cluster snapshot)"
    ),
    references=("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html",),
    description=(
        "A snapshot whose restore attribute holds \"all\" can be copied or restored by any AWS "
        "account, which then holds the whole database."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for snapshot in snap.resources(RdsSnapshot):
        accounts = snapshot.restore_accounts
        if accounts is None:
            yield SPEC.error(snapshot, "the snapshot's restore attribute could not be read", kind=snapshot.kind)
            continue
        shared = sorted(a for a in accounts if a != EVERYONE)
        if EVERYONE in accounts:
            yield SPEC.fail(snapshot, "any AWS account may restore the snapshot", kind=snapshot.kind,
                            public=True, shared_with=shared, encrypted=snapshot.encrypted)
        else:
            yield SPEC.ok(snapshot, "the snapshot is not public", kind=snapshot.kind, public=False, shared_with=shared)
