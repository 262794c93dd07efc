"""AWS CloudTrail trails in every enabled region, and one account record.

Per region, DescribeTrails with includeShadowTrails=False (every page) in ``ctx.pool``:
a multi-region trail is listed once, in its home region, so no trail is read twice.
Then per trail, also in the pool, GetTrailStatus (IsLogging) and GetEventSelectors
(basic or advanced selectors), both asked in the trail's home region.

A failed DescribeTrails records a scope-level CollectionError (resource_id None) for
the region, and the account record names the region in ``unread_regions`` so the
account-level checks cannot pass over a trail they never saw. A failed status or
selector read leaves that field None with an error naming the trail. A trail deleted
between the listing and its reads (TrailNotFoundException) is dropped silently.

Organisation trails reach member accounts only as shadow trails, which this listing
leaves out: scan the organisation's management account to see them.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code, partition_of
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_iam import GLOBAL_REGION
from scanner.resources.aws_logging import (
    AdvancedEventSelector,
    CloudTrailAccount,
    CloudTrailTrail,
    DataResource,
    EventSelector,
    FieldSelector,
    TrailSelectors,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudtrail import CloudTrailClient

SERVICE = "cloudtrail"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
VANISHED_CODES = frozenset({"TrailNotFoundException"})
# the operators of an advanced field selector, API name -> record field
FIELD_OPERATORS = {
    "Equals": "equals",
    "StartsWith": "starts_with",
    "EndsWith": "ends_with",
    "NotEquals": "not_equals",
    "NotStartsWith": "not_starts_with",
    "NotEndsWith": "not_ends_with",
}


class IncompleteResponse(Exception):
    """The API answered without a field it always documents; the field stays unread."""


def account_arn(account: str, region: str) -> str:
    """A stable id for "this account's trails" (not an ARN AWS issues)."""
    return f"arn:{partition_of(region)}:cloudtrail::{account}:trails"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    regions = ctx.enabled_regions(result)
    trails: list[tuple[str, Any]] = []  # (listing region, DescribeTrails item)
    unread: list[str] = []
    lock = threading.Lock()

    def list_region(region: str) -> None:
        try:
            found = _list_trails(ctx, region)
        except SDK_ERRORS as exc:
            result.fail(ctx.error(exc, region=region, service=SERVICE, operation="DescribeTrails",
                                  resource_type=CloudTrailTrail.TYPE))
            with lock:
                unread.append(region)
            return
        with lock:
            trails.extend((region, t) for t in found)

    # one flat batch per phase: a pool task never waits on tasks of the same pool
    ctx.pool.run(list_region, regions)
    ctx.pool.run(lambda item: _trail(ctx, result, *item), sorted(trails, key=lambda t: str(t[1].get("TrailARN"))))
    result.add(
        CloudTrailAccount(
            account=ctx.account,
            region=GLOBAL_REGION,
            resource_id=account_arn(ctx.account, ctx.home_region),
            name=ctx.account,
            regions=tuple(sorted(regions)),
            unread_regions=tuple(sorted(unread)),
        )
    )


def _client(ctx: AwsContext, region: str) -> CloudTrailClient:
    return cast("CloudTrailClient", ctx.client(SERVICE, region))


def _list_trails(ctx: AwsContext, region: str) -> list[Any]:
    # DescribeTrails has no paginator; the API documents no NextToken for it either
    answer = _client(ctx, region).describe_trails(includeShadowTrails=False)
    # the home-region test keeps emulators that ignore includeShadowTrails honest
    return [t for t in answer.get("trailList", []) if t.get("HomeRegion", region) == region]


def _trail(ctx: AwsContext, result: CollectResult, region: str, raw: Any) -> None:
    arn = str(raw.get("TrailARN") or f"arn:{partition_of(region)}:cloudtrail:{region}:{ctx.account}:trail/"
              f"{raw.get('Name', '')}")
    client = _client(ctx, region)
    validation = raw.get("LogFileValidationEnabled")
    if validation is None:
        _fail(ctx, result, IncompleteResponse("no LogFileValidationEnabled"), region, "DescribeTrails", arn)
    logging: bool | None = None
    selectors: TrailSelectors | None = None
    try:
        logging = bool(client.get_trail_status(Name=arn).get("IsLogging", False))
    except SDK_ERRORS as exc:
        if error_code(exc) in VANISHED_CODES:
            return
        _fail(ctx, result, exc, region, "GetTrailStatus", arn)
    try:
        selectors = _selectors(client.get_event_selectors(TrailName=arn))
    except SDK_ERRORS as exc:
        if error_code(exc) in VANISHED_CODES:
            return
        _fail(ctx, result, exc, region, "GetEventSelectors", arn)
    result.add(
        CloudTrailTrail(
            account=ctx.account,
            region=region,
            resource_id=arn,
            name=str(raw.get("Name", "")),
            trail_arn=arn,
            home_region=str(raw.get("HomeRegion", region)),
            is_multi_region=bool(raw.get("IsMultiRegionTrail", False)),
            is_organization_trail=bool(raw.get("IsOrganizationTrail", False)),
            include_global_service_events=bool(raw.get("IncludeGlobalServiceEvents", False)),
            log_file_validation=None if validation is None else bool(validation),
            kms_key_id=str(raw.get("KmsKeyId") or ""),
            s3_bucket_name=str(raw.get("S3BucketName") or ""),
            s3_key_prefix=str(raw.get("S3KeyPrefix") or ""),
            cloudwatch_logs_log_group_arn=str(raw.get("CloudWatchLogsLogGroupArn") or ""),
            is_logging=logging,
            selectors=selectors,
        )
    )


def _fail(ctx: AwsContext, result: CollectResult, exc: Exception, region: str, operation: str, arn: str) -> None:
    result.fail(ctx.error(exc, region=region, service=SERVICE, operation=operation,
                          resource_type=CloudTrailTrail.TYPE, resource_id=arn))


def _selectors(answer: Any) -> TrailSelectors:
    return TrailSelectors(
        basic=tuple(
            EventSelector(
                read_write_type=str(s.get("ReadWriteType", "All")),
                include_management_events=bool(s.get("IncludeManagementEvents", True)),
                data_resources=tuple(
                    DataResource(type=str(d.get("Type", "")), values=tuple(str(v) for v in d.get("Values", [])))
                    for d in s.get("DataResources", [])
                ),
                exclude_management_event_sources=tuple(str(v) for v in s.get("ExcludeManagementEventSources", [])),
            )
            for s in answer.get("EventSelectors") or []
        ),
        advanced=tuple(
            AdvancedEventSelector(
                name=str(s.get("Name", "")),
                field_selectors=tuple(
                    FieldSelector(
                        field=str(f.get("Field", "")),
                        **{attr: tuple(str(v) for v in f.get(op, [])) for op, attr in FIELD_OPERATORS.items()},
                    )
                    for f in s.get("FieldSelectors", [])
                ),
            )
            for s in answer.get("AdvancedEventSelectors") or []
        ),
    )


COLLECTOR = CollectorSpec(
    name="aws.cloudtrail",
    provider="aws",
    produces=(CloudTrailTrail.TYPE, CloudTrailAccount.TYPE),
    permissions=(
        "cloudtrail:DescribeTrails",
        "cloudtrail:GetTrailStatus",
        "cloudtrail:GetEventSelectors",
        "ec2:DescribeRegions",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=(CloudTrailTrail, CloudTrailAccount),
    calls=(
        Call("cloudtrail", "DescribeTrails", REGION),
        Call("cloudtrail", "GetTrailStatus", CloudTrailTrail.TYPE),
        Call("cloudtrail", "GetEventSelectors", CloudTrailTrail.TYPE),
    ),
)
