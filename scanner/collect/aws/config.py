"""AWS Config configuration recorders, one record per enabled region.

Per region, in ``ctx.pool``: DescribeConfigurationRecorders, then
DescribeConfigurationRecorderStatus, joined by recorder name. Neither API pages.

The region is the resource here (CIS asks for a recorder in every region), so a failed
DescribeConfigurationRecorders keeps the region's record with ``recorders`` None and
an error naming that record: the check reports ERROR under the same identity its PASS
or FAIL would have, as the Access Analyzer collector does. A failed status read leaves
each recorder's ``recording`` None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, partition_of
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_logging import ConfigRecorder, ConfigRegion

if TYPE_CHECKING:
    from mypy_boto3_config import ConfigServiceClient

SERVICE = "config"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def region_arn(account: str, region: str) -> str:
    """A stable id for "the recorders of this region" (not an ARN AWS issues)."""
    return f"arn:{partition_of(region)}:config:{region}:{account}:configuration-recorders"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    ctx.pool.run(lambda region: _region(ctx, result, region), ctx.enabled_regions(result))


def _region(ctx: AwsContext, result: CollectResult, region: str) -> None:
    arn = region_arn(ctx.account, region)
    client = cast("ConfigServiceClient", ctx.client(SERVICE, region))

    def fail(exc: Exception, operation: str) -> None:
        result.fail(ctx.error(exc, region=region, service=SERVICE, operation=operation,
                              resource_type=ConfigRegion.TYPE, resource_id=arn))

    recorders: tuple[ConfigRecorder, ...] | None = None
    try:
        listed = client.describe_configuration_recorders().get("ConfigurationRecorders", [])
    except SDK_ERRORS as exc:
        fail(exc, "DescribeConfigurationRecorders")
    else:
        statuses: dict[str, Any] | None = None
        if listed:
            try:
                answer = client.describe_configuration_recorder_status()
                statuses = {str(s.get("name", "")): s for s in answer.get("ConfigurationRecordersStatus", [])}
            except SDK_ERRORS as exc:
                fail(exc, "DescribeConfigurationRecorderStatus")
        recorders = tuple(_recorder(r, statuses) for r in listed)
    result.add(ConfigRegion(account=ctx.account, region=region, resource_id=arn, name=region, recorders=recorders))


def _recorder(raw: Any, statuses: dict[str, Any] | None) -> ConfigRecorder:
    name = str(raw.get("name", ""))
    group = raw.get("recordingGroup") or {}
    strategy = group.get("recordingStrategy") or {}
    recording: bool | None = None
    last_status: str | None = None
    if statuses is not None:
        status = statuses.get(name)
        # a recorder without a status entry has never been started
        recording = bool(status.get("recording", False)) if status else False
        last_status = str(status.get("lastStatus") or "") if status else ""
    return ConfigRecorder(
        name=name,
        role_arn=str(raw.get("roleARN") or ""),
        # a recorder created without a recordingGroup records every supported type
        all_supported=bool(group.get("allSupported", not group)),
        include_global_resource_types=bool(group.get("includeGlobalResourceTypes", False)),
        recording_strategy=str(strategy.get("useOnly") or ""),
        resource_types=tuple(str(t) for t in group.get("resourceTypes") or []),
        excluded_resource_types=tuple(
            str(t) for t in (group.get("exclusionByResourceTypes") or {}).get("resourceTypes") or []
        ),
        recording=recording,
        last_status=last_status,
    )


COLLECTOR = CollectorSpec(
    name="aws.config",
    provider="aws",
    produces=(ConfigRegion.TYPE,),
    permissions=(
        "config:DescribeConfigurationRecorders",
        "config:DescribeConfigurationRecorderStatus",
        "ec2:DescribeRegions",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=(ConfigRegion,),
    calls=(
        Call("config", "DescribeConfigurationRecorders", REGION),
        Call("config", "DescribeConfigurationRecorderStatus", REGION, conditional=True),  # where recorders exist
    ),
)
