"""Amazon EFS, in every enabled region: file systems, their encryption at rest and their
file system policy.

Listing: DescribeFileSystems. Then per file system DescribeFileSystemPolicy, where
PolicyNotFound means the file system has no policy (EFS then grants full access to any
client that can reach a mount target: the default policy is not public in the IAM sense).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.regional import SDK_ERRORS, RegionReader, run_readers, tags
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_data import EfsFileSystem, ResourcePolicy

NO_POLICY = "PolicyNotFound"
VANISHED = "FileSystemNotFound"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    run_readers(ctx, result, (_EfsReader(ctx, result, region) for region in ctx.enabled_regions(result)))


class _EfsReader(RegionReader):
    SERVICE = "efs"

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        super().__init__(ctx, result, region)
        self.file_systems: list[Any] = []

    def listings(self) -> list[Callable[[], None]]:
        return [self._list]

    def reads(self) -> list[Callable[[], None]]:
        return [functools.partial(self._file_system, f) for f in self.file_systems]

    def _list(self) -> None:
        self.file_systems = self.list("DescribeFileSystems", EfsFileSystem.TYPE, "FileSystems") or []

    def _file_system(self, item: Any) -> None:
        fs_id = item["FileSystemId"]
        arn = item.get("FileSystemArn") or (
            f"arn:{self.partition}:elasticfilesystem:{self.region}:{self.ctx.account}:file-system/{fs_id}"
        )
        policy: ResourcePolicy | None
        try:
            text = self.client.describe_file_system_policy(FileSystemId=fs_id).get("Policy")
            policy = self.policy(text, "DescribeFileSystemPolicy", EfsFileSystem.TYPE, arn)
        except SDK_ERRORS as exc:
            code = error_code(exc)
            if code == VANISHED:
                return
            if code == NO_POLICY:
                policy = ResourcePolicy(document=None)
            else:
                self.fail(exc, "DescribeFileSystemPolicy", EfsFileSystem.TYPE, arn)
                policy = None
        encrypted = self.field(item, "Encrypted", "DescribeFileSystems", EfsFileSystem.TYPE, arn)
        self.result.add(
            EfsFileSystem(
                account=self.ctx.account,
                region=self.region,
                resource_id=arn,
                name=item.get("Name") or fs_id,
                tags=tags(item.get("Tags")),
                file_system_id=fs_id,
                encrypted=bool(encrypted) if encrypted is not None else None,
                kms_key_id=item.get("KmsKeyId"),
                policy=policy,
            )
        )


COLLECTOR = CollectorSpec(
    name="aws.efs",
    provider="aws",
    produces=(EfsFileSystem.TYPE,),
    permissions=(
        "ec2:DescribeRegions",
        "elasticfilesystem:DescribeFileSystems",
        "elasticfilesystem:DescribeFileSystemPolicy",
    ),
    collect=collect,
    record_types=(EfsFileSystem,),
    calls=(
        Call("efs", "DescribeFileSystems", REGION, pages=True),
        Call("efs", "DescribeFileSystemPolicy", EfsFileSystem.TYPE),
    ),
)
