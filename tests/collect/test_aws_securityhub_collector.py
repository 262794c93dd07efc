"""The Security Hub collector against moto in server mode: enabled in one region (seeded
with the test's own writing client), not subscribed in the other; failures injected with
botocore event handlers on the scanner's session."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner.collect.aws import securityhub
from scanner.collect.aws.context import AwsContext, WriteOperationRefused
from scanner.collect.base import CollectResult
from scanner.collect.pool import Pool
from scanner.resources.aws_securityhub import SecurityHubRegion

ACCOUNT = "123456789012"
US = "us-east-1"
EU = "eu-west-1"


def arn(region: str) -> str:
    return f"arn:aws:securityhub:{region}:{ACCOUNT}:hub/default"


@pytest.fixture
def ctx(aws_endpoint: str, pool: Pool) -> AwsContext:
    return AwsContext.open(profile=None, regions=(US, EU), endpoint_url=aws_endpoint, pool=pool)


@pytest.fixture
def enabled_in_us(seed_client: Callable[..., Any]) -> None:
    seed_client("securityhub", US).enable_security_hub(EnableDefaultStandards=False)


def answer_with_error(ctx: AwsContext, region: str, code: str, message: str) -> None:
    def respond(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if context["client_region"] != region:
            return None
        parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return AWSResponse("http://injected", 403, HTTPHeaders(), None), parsed

    events: Any = ctx.session.events
    events.register("before-call.securityhub.DescribeHub", respond)


def by_region(result: CollectResult) -> dict[str, SecurityHubRegion]:
    found = [r for r in result.records if isinstance(r, SecurityHubRegion)]
    assert len({r.region for r in found}) == len(found)
    return {r.region: r for r in found}


def run(ctx: AwsContext) -> CollectResult:
    result = CollectResult()
    securityhub.COLLECTOR.collect(ctx, result)
    return result


@pytest.mark.usefixtures("enabled_in_us")
def test_an_enabled_hub_and_a_region_not_subscribed_are_both_concrete(ctx: AwsContext) -> None:
    calls: Counter[str] = Counter()

    def seen(context: dict[str, Any], **_: Any) -> None:
        calls[context["client_region"]] += 1

    events: Any = ctx.session.events
    events.register("before-call.securityhub.DescribeHub", seen)
    result = run(ctx)

    regions = by_region(result)
    assert set(regions) == {US, EU}
    us = regions[US]
    assert (us.enabled, us.hub_arn, us.resource_id) == (True, arn(US), arn(US))
    assert us.subscribed_at is not None and us.subscribed_at.startswith("20")
    eu = regions[EU]
    assert (eu.enabled, eu.hub_arn, eu.subscribed_at, eu.resource_id) == (False, None, None, arn(EU))
    assert [e for e in result.errors if e.service == "securityhub"] == []
    assert calls == Counter({US: 1, EU: 1})


@pytest.mark.usefixtures("enabled_in_us")
@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", "not authorized to perform securityhub:DescribeHub"),
        ("InvalidAccessException", "Account is not an administrator for this organization"),
    ],
)
def test_any_other_failure_leaves_that_region_unread(ctx: AwsContext, code: str, message: str) -> None:
    answer_with_error(ctx, US, code, message)
    result = run(ctx)

    regions = by_region(result)
    assert regions[US].enabled is None
    assert regions[EU].enabled is False
    (error,) = [e for e in result.errors if e.service == "securityhub"]
    assert (error.region, error.operation, error.code, error.resource_type, error.resource_id) == (
        US, "DescribeHub", code, "aws.securityhub.region", arn(US))


def test_the_scanner_client_refuses_to_enable_security_hub(ctx: AwsContext) -> None:
    with pytest.raises(WriteOperationRefused, match="EnableSecurityHub"):
        ctx.client("securityhub", US).enable_security_hub()


def test_the_collector_declares_what_it_produces_and_needs() -> None:
    assert securityhub.COLLECTOR.produces == ("aws.securityhub.region",)
    assert "securityhub:DescribeHub" in securityhub.COLLECTOR.permissions
