"""Amazon RDS, in every enabled region: DB instances, and the account's manual DB
snapshots and DB cluster snapshots with who may restore them.

Listings: DescribeDBInstances, DescribeDBSnapshots and DescribeDBClusterSnapshots
(SnapshotType "manual": automated snapshots cannot be shared). Then per snapshot
DescribeDBSnapshotAttributes / DescribeDBClusterSnapshotAttributes: the "restore"
attribute lists the accounts allowed to copy or restore it, "all" meaning everyone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.regional import SDK_ERRORS, RegionReader, run_readers, tags
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_data import RdsInstance, RdsSnapshot

# a snapshot deleted between the listing and its attribute read: dropped, no error
VANISHED_CODES = frozenset({"DBSnapshotNotFound", "DBClusterSnapshotNotFoundFault", "DBSnapshotNotFoundFault"})


def collect(ctx: AwsContext, result: CollectResult) -> None:
    run_readers(ctx, result, (_RdsReader(ctx, result, region) for region in ctx.enabled_regions(result)))


class _RdsReader(RegionReader):
    SERVICE = "rds"

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        super().__init__(ctx, result, region)
        self.snapshots: list[Any] = []
        self.cluster_snapshots: list[Any] = []

    def listings(self) -> list[Callable[[], None]]:
        return [self._instances, self._list_snapshots, self._list_cluster_snapshots]

    def reads(self) -> list[Callable[[], None]]:
        jobs = [functools.partial(self._snapshot, s, "instance") for s in self.snapshots]
        jobs.extend(functools.partial(self._snapshot, s, "cluster") for s in self.cluster_snapshots)
        return list(jobs)

    def _instances(self) -> None:
        operation = "DescribeDBInstances"
        for item in self.list(operation, RdsInstance.TYPE, "DBInstances") or ():
            name = item["DBInstanceIdentifier"]
            arn = item.get("DBInstanceArn") or f"arn:{self.partition}:rds:{self.region}:{self.ctx.account}:db:{name}"

            def need(key: str, item: Any = item, arn: str = arn) -> Any:
                return self.field(item, key, operation, RdsInstance.TYPE, arn)

            retention = need("BackupRetentionPeriod")
            self.result.add(
                RdsInstance(
                    account=self.ctx.account,
                    region=self.region,
                    resource_id=arn,
                    name=name,
                    tags=tags(item.get("TagList")),
                    db_instance_id=name,
                    engine=str(item.get("Engine", "")),
                    status=str(item.get("DBInstanceStatus", "")),
                    publicly_accessible=need("PubliclyAccessible"),
                    storage_encrypted=need("StorageEncrypted"),
                    kms_key_id=item.get("KmsKeyId"),
                    auto_minor_version_upgrade=need("AutoMinorVersionUpgrade"),
                    backup_retention_period=int(retention) if retention is not None else None,
                )
            )

    def _list_snapshots(self) -> None:
        listed = self.list("DescribeDBSnapshots", RdsSnapshot.TYPE, "DBSnapshots", SnapshotType="manual")
        self.snapshots = listed or []

    def _list_cluster_snapshots(self) -> None:
        listed = self.list("DescribeDBClusterSnapshots", RdsSnapshot.TYPE, "DBClusterSnapshots", SnapshotType="manual")
        self.cluster_snapshots = listed or []

    def _snapshot(self, item: Any, kind: str) -> None:
        cluster = kind == "cluster"
        name = item["DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier"]
        arn_kind = "cluster-snapshot" if cluster else "snapshot"
        arn = item.get("DBClusterSnapshotArn" if cluster else "DBSnapshotArn") or (
            f"arn:{self.partition}:rds:{self.region}:{self.ctx.account}:{arn_kind}:{name}"
        )
        operation = "DescribeDBClusterSnapshotAttributes" if cluster else "DescribeDBSnapshotAttributes"
        restore: tuple[str, ...] | None
        try:
            if cluster:
                answer = self.client.describe_db_cluster_snapshot_attributes(DBClusterSnapshotIdentifier=name)
                attributes = answer["DBClusterSnapshotAttributesResult"].get("DBClusterSnapshotAttributes", [])
            else:
                answer = self.client.describe_db_snapshot_attributes(DBSnapshotIdentifier=name)
                attributes = answer["DBSnapshotAttributesResult"].get("DBSnapshotAttributes", [])
            restore = tuple(
                str(v) for a in attributes if a.get("AttributeName") == "restore" for v in a.get("AttributeValues", [])
            )
        except SDK_ERRORS as exc:
            if error_code(exc) in VANISHED_CODES:
                return
            self.fail(exc, operation, RdsSnapshot.TYPE, arn)
            restore = None
        encrypted = item.get("StorageEncrypted" if cluster else "Encrypted")
        self.result.add(
            RdsSnapshot(
                account=self.ctx.account,
                region=self.region,
                resource_id=arn,
                name=name,
                tags=tags(item.get("TagList")),
                snapshot_id=name,
                kind=kind,
                engine=str(item.get("Engine", "")),
                encrypted=bool(encrypted) if encrypted is not None else None,
                restore_accounts=restore,
            )
        )


COLLECTOR = CollectorSpec(
    name="aws.rds",
    provider="aws",
    produces=(RdsInstance.TYPE, RdsSnapshot.TYPE),
    permissions=(
        "ec2:DescribeRegions",
        "rds:DescribeDBInstances",
        "rds:DescribeDBSnapshots",
        "rds:DescribeDBSnapshotAttributes",
        "rds:DescribeDBClusterSnapshots",
        "rds:DescribeDBClusterSnapshotAttributes",
    ),
    collect=collect,
    record_types=(RdsInstance, RdsSnapshot),
    calls=(
        *(Call("rds", op, REGION, pages=True)
          for op in ("DescribeDBInstances", "DescribeDBSnapshots", "DescribeDBClusterSnapshots")),
        # one or the other per snapshot, by its kind
        Call("rds", "DescribeDBSnapshotAttributes", RdsSnapshot.TYPE, conditional=True),
        Call("rds", "DescribeDBClusterSnapshotAttributes", RdsSnapshot.TYPE, conditional=True),
    ),
)
