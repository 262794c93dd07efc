"""Amazon SQS, in every enabled region: queues with their access policy and encryption.

Listing: ListQueues (paginated). Then per queue GetQueueAttributes for QueueArn, Policy,
SqsManagedSseEnabled and KmsMasterKeyId. A queue without a Policy attribute has no
policy; one without SqsManagedSseEnabled or KmsMasterKeyId has that form of encryption off.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.regional import SDK_ERRORS, RegionReader, run_readers
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_data import ResourcePolicy, SqsQueue

VANISHED_CODES = frozenset({"AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"})
ATTRIBUTES = ["QueueArn", "Policy", "SqsManagedSseEnabled", "KmsMasterKeyId"]


def collect(ctx: AwsContext, result: CollectResult) -> None:
    run_readers(ctx, result, (_SqsReader(ctx, result, region) for region in ctx.enabled_regions(result)))


class _SqsReader(RegionReader):
    SERVICE = "sqs"

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        super().__init__(ctx, result, region)
        self.urls: list[str] = []

    def listings(self) -> list[Callable[[], None]]:
        return [self._list]

    def reads(self) -> list[Callable[[], None]]:
        return [functools.partial(self._queue, url) for url in self.urls]

    def _list(self) -> None:
        self.urls = [str(u) for u in self.list("ListQueues", SqsQueue.TYPE, "QueueUrls") or ()]

    def _queue(self, url: str) -> None:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        arn = f"arn:{self.partition}:sqs:{self.region}:{self.ctx.account}:{name}"
        policy: ResourcePolicy | None = None
        sse: bool | None = None
        kms: str | None = None
        try:
            attributes = self.client.get_queue_attributes(QueueUrl=url, AttributeNames=ATTRIBUTES)["Attributes"]
        except SDK_ERRORS as exc:
            if error_code(exc) in VANISHED_CODES:
                return
            self.fail(exc, "GetQueueAttributes", SqsQueue.TYPE, arn)
        else:
            arn = attributes.get("QueueArn") or arn
            policy = self.policy(attributes.get("Policy"), "GetQueueAttributes", SqsQueue.TYPE, arn)
            sse = str(attributes.get("SqsManagedSseEnabled", "false")).lower() == "true"
            kms = attributes.get("KmsMasterKeyId", "")
        self.result.add(
            SqsQueue(
                account=self.ctx.account,
                region=self.region,
                resource_id=arn,
                name=name,
                url=url,
                policy=policy,
                sqs_managed_sse=sse,
                kms_master_key_id=kms,
            )
        )


COLLECTOR = CollectorSpec(
    name="aws.sqs",
    provider="aws",
    produces=(SqsQueue.TYPE,),
    permissions=("ec2:DescribeRegions", "sqs:ListQueues", "sqs:GetQueueAttributes"),
    collect=collect,
    record_types=(SqsQueue,),
    calls=(
        Call("sqs", "ListQueues", REGION, pages=True),
        Call("sqs", "GetQueueAttributes", SqsQueue.TYPE),
    ),
)
