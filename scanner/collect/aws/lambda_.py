"""AWS Lambda, in every enabled region: functions with their resource-based policy and
their function URLs.

Listing: ListFunctions (paginated). Then per function GetPolicy (ResourceNotFoundException:
the function has no policy) and ListFunctionUrlConfigs (paginated; the function's own
URL and its aliases'), where AuthType NONE means anyone may invoke the URL.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.regional import SDK_ERRORS, RegionReader, run_readers
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_data import FunctionUrl, LambdaFunction, ResourcePolicy

NOT_FOUND = "ResourceNotFoundException"


def collect(ctx: AwsContext, result: CollectResult) -> None:
    run_readers(ctx, result, (_LambdaReader(ctx, result, region) for region in ctx.enabled_regions(result)))


class _LambdaReader(RegionReader):
    SERVICE = "lambda"

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        super().__init__(ctx, result, region)
        self.functions: list[Any] = []

    def listings(self) -> list[Callable[[], None]]:
        return [self._list]

    def reads(self) -> list[Callable[[], None]]:
        return [functools.partial(self._function, f) for f in self.functions]

    def _list(self) -> None:
        self.functions = self.list("ListFunctions", LambdaFunction.TYPE, "Functions") or []

    def _function(self, item: Any) -> None:
        name = item["FunctionName"]
        arn = item.get("FunctionArn") or f"arn:{self.partition}:lambda:{self.region}:{self.ctx.account}:function:{name}"
        policy: ResourcePolicy | None
        try:
            text = self.client.get_policy(FunctionName=arn).get("Policy")
            policy = self.policy(text, "GetPolicy", LambdaFunction.TYPE, arn)
        except SDK_ERRORS as exc:
            if error_code(exc) == NOT_FOUND:
                policy = ResourcePolicy(document=None)
            else:
                self.fail(exc, "GetPolicy", LambdaFunction.TYPE, arn)
                policy = None
        urls: tuple[FunctionUrl, ...] | None = None
        try:
            configs: list[Any] = []
            for page in self.client.get_paginator("list_function_url_configs").paginate(FunctionName=arn):
                configs.extend(page.get("FunctionUrlConfigs", []))
            urls = tuple(
                FunctionUrl(
                    url=str(c.get("FunctionUrl", "")),
                    auth_type=str(c.get("AuthType", "")),
                    function_arn=str(c.get("FunctionArn", "")),
                )
                for c in configs
            )
        except SDK_ERRORS as exc:
            self.fail(exc, "ListFunctionUrlConfigs", LambdaFunction.TYPE, arn)
        self.result.add(
            LambdaFunction(
                account=self.ctx.account,
                region=self.region,
                resource_id=arn,
                name=name,
                function_name=name,
                runtime=str(item.get("Runtime", "")),
                policy=policy,
                urls=urls,
            )
        )


COLLECTOR = CollectorSpec(
    name="aws.lambda",
    provider="aws",
    produces=(LambdaFunction.TYPE,),
    permissions=(
        "ec2:DescribeRegions",
        "lambda:ListFunctions",
        "lambda:GetPolicy",
        "lambda:ListFunctionUrlConfigs",
    ),
    collect=collect,
    record_types=(LambdaFunction,),
    calls=(
        Call("lambda", "ListFunctions", REGION, pages=True),
        Call("lambda", "GetPolicy", LambdaFunction.TYPE),
        Call("lambda", "ListFunctionUrlConfigs", LambdaFunction.TYPE, pages=True),
    ),
)
