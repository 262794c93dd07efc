"""IAM Access Analyzer: the analyzers of every region the scan covers (ListAnalyzers,
every page, once per region, in ``ctx.pool``).

Each region read gives one record. When ListAnalyzers fails the region's record keeps
``analyzers`` None and the CollectionError names that record, so the check reports
ERROR for that region under the same identity as its PASS or FAIL would have.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, partition_of
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_iam import AccessAnalyzerRegion, Analyzer

if TYPE_CHECKING:
    from mypy_boto3_accessanalyzer import AccessAnalyzerClient

SERVICE = "accessanalyzer"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


def collect(ctx: AwsContext, result: CollectResult) -> None:
    regions = ctx.enabled_regions(result)
    ctx.pool.run(lambda region: _region(ctx, result, region), regions)


def region_arn(account: str, region: str) -> str:
    """A stable id for "the analyzers of this region" (not an ARN AWS issues)."""
    return f"arn:{partition_of(region)}:access-analyzer:{region}:{account}:analyzers"


def _region(ctx: AwsContext, result: CollectResult, region: str) -> None:
    arn = region_arn(ctx.account, region)
    client = cast("AccessAnalyzerClient", ctx.client(SERVICE, region))
    analyzers: tuple[Analyzer, ...] | None
    try:
        found = []
        for page in client.get_paginator("list_analyzers").paginate():
            for item in page.get("analyzers", []):
                found.append(
                    Analyzer(
                        name=str(item.get("name", "")),
                        arn=str(item.get("arn", "")),
                        type=str(item.get("type", "")),
                        status=str(item.get("status", "")),
                    )
                )
        analyzers = tuple(found)
    except SDK_ERRORS as exc:
        analyzers = None
        result.fail(
            ctx.error(
                exc,
                region=region,
                service=SERVICE,
                operation="ListAnalyzers",
                resource_type=AccessAnalyzerRegion.TYPE,
                resource_id=arn,
            )
        )
    result.add(
        AccessAnalyzerRegion(account=ctx.account, region=region, resource_id=arn, name=region, analyzers=analyzers)
    )


COLLECTOR = CollectorSpec(
    name="aws.accessanalyzer",
    provider="aws",
    produces=(AccessAnalyzerRegion.TYPE,),
    permissions=("access-analyzer:ListAnalyzers", "ec2:DescribeRegions", "sts:GetCallerIdentity"),
    collect=collect,
    record_types=(AccessAnalyzerRegion,),
    calls=(Call("accessanalyzer", "ListAnalyzers", REGION, pages=True),),
)
