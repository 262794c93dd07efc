"""Amazon SNS, in every enabled region: topics with their access policy and encryption.

Listing: ListTopics (paginated). Then per topic GetTopicAttributes for Policy and
KmsMasterKeyId (absent: the topic is not encrypted with KMS).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.regional import SDK_ERRORS, RegionReader, run_readers
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_data import ResourcePolicy, SnsTopic

VANISHED = "NotFound"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    run_readers(ctx, result, (_SnsReader(ctx, result, region) for region in ctx.enabled_regions(result)))


class _SnsReader(RegionReader):
    SERVICE = "sns"

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        super().__init__(ctx, result, region)
        self.arns: list[str] = []

    def listings(self) -> list[Callable[[], None]]:
        return [self._list]

    def reads(self) -> list[Callable[[], None]]:
        return [functools.partial(self._topic, arn) for arn in self.arns]

    def _list(self) -> None:
        listed = self.list("ListTopics", SnsTopic.TYPE, "Topics")
        self.arns = [str(t["TopicArn"]) for t in listed or () if t.get("TopicArn")]

    def _topic(self, arn: str) -> None:
        policy: ResourcePolicy | None = None
        kms: str | None = None
        try:
            attributes = self.client.get_topic_attributes(TopicArn=arn)["Attributes"]
        except SDK_ERRORS as exc:
            if error_code(exc) == VANISHED:
                return
            self.fail(exc, "GetTopicAttributes", SnsTopic.TYPE, arn)
        else:
            policy = self.policy(attributes.get("Policy"), "GetTopicAttributes", SnsTopic.TYPE, arn)
            kms = attributes.get("KmsMasterKeyId", "")
        self.result.add(
            SnsTopic(
                account=self.ctx.account,
                region=self.region,
                resource_id=arn,
                name=arn.rsplit(":", 1)[-1],
                policy=policy,
                kms_master_key_id=kms,
            )
        )


COLLECTOR = CollectorSpec(
    name="aws.sns",
    provider="aws",
    produces=(SnsTopic.TYPE,),
    permissions=("ec2:DescribeRegions", "sns:ListTopics", "sns:GetTopicAttributes"),
    collect=collect,
    record_types=(SnsTopic,),
    calls=(
        Call("sns", "ListTopics", REGION, pages=True),
        Call("sns", "GetTopicAttributes", SnsTopic.TYPE),
    ),
)
