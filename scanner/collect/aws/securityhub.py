"""AWS Security Hub: whether the account is subscribed, in every region the scan covers
(DescribeHub once per region, in ``ctx.pool``).

DescribeHub answers with the hub when Security Hub is enabled; an account that is not
subscribed gets InvalidAccessException ("... is not subscribed to AWS Security Hub"),
which is recorded as ``enabled`` False. Any other failure leaves the region's record
unread (``enabled`` None) with a CollectionError naming that record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code, partition_of
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_securityhub import SecurityHubRegion

if TYPE_CHECKING:
    from mypy_boto3_securityhub import SecurityHubClient

SERVICE = "securityhub"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
NOT_SUBSCRIBED_CODE = "InvalidAccessException"
# the same code also covers other access problems; only this message means "not enabled"
NOT_SUBSCRIBED_MESSAGE = "not subscribed"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    regions = ctx.enabled_regions(result)
    ctx.pool.run(lambda region: _region(ctx, result, region), regions)


def hub_arn(account: str, region: str) -> str:
    """The ARN AWS gives an account's hub in a region (the record's id, enabled or not)."""
    return f"arn:{partition_of(region)}:securityhub:{region}:{account}:hub/default"


def _region(ctx: AwsContext, result: CollectResult, region: str) -> None:
    arn = hub_arn(ctx.account, region)
    client = cast("SecurityHubClient", ctx.client(SERVICE, region))
    try:
        answer: Any = client.describe_hub()
    except SDK_ERRORS as exc:
        enabled: bool | None = False
        if not _not_subscribed(exc):
            enabled = None
            result.fail(
                ctx.error(exc, region=region, service=SERVICE, operation="DescribeHub",
                          resource_type=SecurityHubRegion.TYPE, resource_id=arn)
            )
        result.add(SecurityHubRegion(account=ctx.account, region=region, resource_id=arn, name=region,
                                     enabled=enabled))
        return
    subscribed = answer.get("SubscribedAt")
    result.add(
        SecurityHubRegion(
            account=ctx.account,
            region=region,
            resource_id=arn,
            name=region,
            enabled=True,
            hub_arn=str(answer.get("HubArn") or arn),
            subscribed_at=str(subscribed) if subscribed else None,
        )
    )


def _not_subscribed(exc: Exception) -> bool:
    if error_code(exc) != NOT_SUBSCRIBED_CODE or not isinstance(exc, botocore.exceptions.ClientError):
        return False
    message = str(exc.response.get("Error", {}).get("Message", ""))
    return NOT_SUBSCRIBED_MESSAGE in message.lower()


COLLECTOR = CollectorSpec(
    name="aws.securityhub",
    provider="aws",
    produces=(SecurityHubRegion.TYPE,),
    permissions=("securityhub:DescribeHub", "ec2:DescribeRegions", "sts:GetCallerIdentity"),
    collect=collect,
    record_types=(SecurityHubRegion,),
    calls=(Call("securityhub", "DescribeHub", REGION),),
)
