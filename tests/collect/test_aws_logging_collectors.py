"""The KMS, CloudTrail and AWS Config collectors against moto in server mode.

Seeded with the tests' own (writing) clients in two regions; read through
``AwsContext`` (read-only guarded) over HTTP. Failures are injected with botocore event
handlers on the scanner's session, so everything else on the request path stays real.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner.collect.aws import cloudtrail, config, kms
from scanner.collect.aws.context import AwsContext
from scanner.collect.base import CollectorSpec, CollectResult
from scanner.collect.pool import Pool
from scanner.resources.aws_logging import (
    CloudTrailAccount,
    CloudTrailTrail,
    ConfigRecorder,
    ConfigRegion,
    DataResource,
    EventSelector,
    KeyRotation,
    KmsKey,
    TrailSelectors,
)
from scanner.snapshot import CollectionError

ACCOUNT = "123456789012"
US, EU = "us-east-1", "eu-west-1"
PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "open", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}],
}


def register_on_session(ctx: AwsContext, event: str, handler: Callable[..., Any]) -> None:
    events: Any = ctx.session.events
    events.register(event, handler)


def answer_with_error(ctx: AwsContext, service: str, operation: str, code: str, *, region: str | None = None,
                      match: str | None = None) -> None:
    """Make the scanner's clients answer ``operation`` (in ``region``, for requests
    naming ``match``) with an error instead of sending it."""

    def respond(params: dict[str, Any], context: dict[str, Any], **_: Any) -> Any:
        if region is not None and context["client_region"] != region:
            return None
        body = params.get("body", b"")
        text = body.decode() if isinstance(body, bytes) else json.dumps(body, default=str)
        if match is not None and match not in text:
            return None
        parsed = {"Error": {"Code": code, "Message": f"injected {code}"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return AWSResponse("http://injected", 403, HTTPHeaders(), None), parsed

    register_on_session(ctx, f"before-call.{service}.{operation}", respond)


class Operations:
    """The names of every operation the scanner's clients call."""

    def __init__(self, ctx: AwsContext) -> None:
        self.names: set[str] = set()
        self._lock = threading.Lock()
        register_on_session(ctx, "before-call.*.*", self._seen)

    def _seen(self, model: Any, **_: Any) -> None:
        with self._lock:
            self.names.add(model.name)


def run(collector: CollectorSpec, ctx: AwsContext) -> CollectResult:
    result = CollectResult()
    collector.collect(ctx, result)
    return result


def by_id(result: CollectResult, kind: type[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for record in result.records:
        if isinstance(record, kind):
            assert record.resource_id not in found, record.resource_id
            found[record.resource_id] = record
    return found


def errors(result: CollectResult) -> list[tuple[str, str, str, str | None]]:
    return sorted((e.operation, e.region, e.code, e.resource_id) for e in result.errors)


@pytest.fixture
def ctx(aws_endpoint: str, pool: Pool) -> AwsContext:
    return AwsContext.open(profile=None, regions=(US, EU), endpoint_url=aws_endpoint, pool=pool)


# KMS ------------------------------------------------------------------------------------


def key_id(arn: str) -> str:
    return arn.split("/")[-1]


@pytest.fixture
def keys(seed_client: Callable[..., Any]) -> dict[str, str]:
    us, eu = seed_client("kms", US), seed_client("kms", EU)
    rotating = us.create_key(Description="rotating")["KeyMetadata"]["Arn"]
    us.enable_key_rotation(KeyId=key_id(rotating))
    stale = us.create_key(Description="stale")["KeyMetadata"]["Arn"]
    us.put_key_policy(KeyId=key_id(stale), PolicyName="default", Policy=json.dumps(PUBLIC_POLICY))
    signing = us.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    disabled = us.create_key()["KeyMetadata"]["Arn"]
    us.disable_key(KeyId=key_id(disabled))
    europe = eu.create_key()["KeyMetadata"]["Arn"]
    return {"rotating": rotating, "stale": stale, "signing": signing, "disabled": disabled, "europe": europe}


def test_kms_keys_are_read_field_by_field_in_every_region(ctx: AwsContext, keys: dict[str, str]) -> None:
    calls = Operations(ctx)
    result = run(kms.COLLECTOR, ctx)
    assert result.errors == []
    found = by_id(result, KmsKey)
    assert set(found) == set(keys.values())

    rotating = found[keys["rotating"]]
    assert (rotating.account, rotating.region, rotating.name) == (ACCOUNT, US, keys["rotating"].split("/")[-1])
    assert (rotating.key_manager, rotating.key_spec, rotating.key_usage, rotating.key_state, rotating.origin) == (
        "CUSTOMER", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "Enabled", "AWS_KMS")
    assert rotating.rotation is not None and rotating.rotation.enabled is True
    assert rotating.policy is not None and rotating.policy.document is not None
    assert rotating.policy.document["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}

    stale = found[keys["stale"]]
    assert stale.rotation == KeyRotation(enabled=False, period_days=stale.rotation.period_days if stale.rotation else 0)
    assert stale.policy is not None and stale.policy.document == PUBLIC_POLICY

    signing = found[keys["signing"]]
    assert (signing.key_spec, signing.key_usage) == ("RSA_2048", "SIGN_VERIFY")
    assert signing.rotation is None and not signing.rotation_applies()  # asymmetric: never asked
    assert signing.policy is not None  # customer-managed: its policy is read

    disabled = found[keys["disabled"]]
    assert disabled.key_state == "Disabled" and disabled.rotation is None and disabled.policy is not None
    assert found[keys["europe"]].region == EU
    # rotation asked only for the two enabled symmetric keys and the European one
    assert {"ListKeys", "DescribeKey", "GetKeyRotationStatus", "GetKeyPolicy"} <= calls.names
    assert all(name.startswith(("List", "Describe", "Get")) for name in calls.names)


def test_kms_failures_become_typed_errors_never_empty_results(ctx: AwsContext, keys: dict[str, str]) -> None:
    answer_with_error(ctx, "kms", "ListKeys", "AccessDeniedException", region=EU)
    answer_with_error(ctx, "kms", "GetKeyRotationStatus", "AccessDeniedException", match=key_id(keys["rotating"]))
    answer_with_error(ctx, "kms", "GetKeyPolicy", "AccessDeniedException", match=key_id(keys["stale"]))
    answer_with_error(ctx, "kms", "DescribeKey", "KMSInternalException", match=key_id(keys["signing"]))
    result = run(kms.COLLECTOR, ctx)
    assert errors(result) == sorted([
        ("ListKeys", EU, "AccessDeniedException", None),
        ("GetKeyRotationStatus", US, "AccessDeniedException", keys["rotating"]),
        ("GetKeyPolicy", US, "AccessDeniedException", keys["stale"]),
        ("DescribeKey", US, "KMSInternalException", keys["signing"]),
    ])
    assert all(isinstance(e, CollectionError) and e.resource_type == KmsKey.TYPE for e in result.errors)
    found = by_id(result, KmsKey)
    assert set(found) == {keys["rotating"], keys["stale"], keys["disabled"]}
    assert found[keys["rotating"]].rotation is None and found[keys["rotating"]].policy is not None
    assert found[keys["stale"]].policy is None and found[keys["stale"]].rotation is not None


# CloudTrail -----------------------------------------------------------------------------


@pytest.fixture
def trails(seed_client: Callable[..., Any]) -> dict[str, str]:
    seed_client("s3", US).create_bucket(Bucket="trail-logs")
    key = seed_client("kms", US).create_key()["KeyMetadata"]["Arn"]
    us, eu = seed_client("cloudtrail", US), seed_client("cloudtrail", EU)
    full = us.create_trail(Name="everywhere", S3BucketName="trail-logs", IsMultiRegionTrail=True,
                           EnableLogFileValidation=True, KmsKeyId=key)["TrailARN"]
    us.start_logging(Name="everywhere")
    us.put_event_selectors(TrailName="everywhere", EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])
    bare = eu.create_trail(Name="bare", S3BucketName="trail-logs")["TrailARN"]
    advanced = eu.create_trail(Name="advanced", S3BucketName="trail-logs")["TrailARN"]
    eu.put_event_selectors(TrailName="advanced", AdvancedEventSelectors=[{"Name": "s3 reads", "FieldSelectors": [
        {"Field": "eventCategory", "Equals": ["Data"]},
        {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
        {"Field": "readOnly", "Equals": ["true"]}]}])
    return {"full": full, "bare": bare, "advanced": advanced, "key": key}


def test_trails_are_listed_once_in_their_home_region_with_status_and_selectors(
    ctx: AwsContext, trails: dict[str, str]
) -> None:
    result = run(cloudtrail.COLLECTOR, ctx)
    assert result.errors == []
    found = by_id(result, CloudTrailTrail)
    # the multi-region trail is not repeated as a shadow trail in eu-west-1
    assert set(found) == {trails["full"], trails["bare"], trails["advanced"]}

    full = found[trails["full"]]
    assert (full.account, full.region, full.home_region, full.name) == (ACCOUNT, US, US, "everywhere")
    assert full.is_multi_region and full.log_file_validation is True and full.is_logging is True
    assert full.kms_key_id.split("/")[-1] == trails["key"].split("/")[-1]
    assert full.s3_bucket_name == "trail-logs" and full.cloudwatch_logs_log_group_arn == ""
    assert full.selectors == TrailSelectors(basic=(EventSelector(
        read_write_type="All", include_management_events=True,
        data_resources=(DataResource(type="AWS::S3::Object", values=("arn:aws:s3",)),)),))

    bare = found[trails["bare"]]
    assert (bare.region, bare.is_multi_region, bare.is_logging, bare.log_file_validation, bare.kms_key_id) == (
        EU, False, False, False, "")

    advanced = found[trails["advanced"]].selectors
    assert advanced is not None and advanced.basic == ()
    assert [(f.field, f.equals) for f in advanced.advanced[0].field_selectors] == [
        ("eventCategory", ("Data",)), ("resources.type", ("AWS::S3::Object",)), ("readOnly", ("true",))]

    account = by_id(result, CloudTrailAccount)
    assert [(a.account, a.regions, a.unread_regions) for a in account.values()] == [(ACCOUNT, (EU, US), ())]


def test_trail_failures_become_typed_errors_and_unread_regions(ctx: AwsContext, trails: dict[str, str]) -> None:
    answer_with_error(ctx, "cloudtrail", "DescribeTrails", "AccessDeniedException", region=EU)
    answer_with_error(ctx, "cloudtrail", "GetEventSelectors", "AccessDeniedException", match=trails["full"])
    result = run(cloudtrail.COLLECTOR, ctx)
    assert errors(result) == [
        ("DescribeTrails", EU, "AccessDeniedException", None),
        ("GetEventSelectors", US, "AccessDeniedException", trails["full"]),
    ]
    assert {e.resource_type for e in result.errors} == {CloudTrailTrail.TYPE}
    found = by_id(result, CloudTrailTrail)
    assert set(found) == {trails["full"]}
    assert found[trails["full"]].selectors is None and found[trails["full"]].is_logging is True
    (account,) = by_id(result, CloudTrailAccount).values()
    assert account.unread_regions == (EU,)


# AWS Config -----------------------------------------------------------------------------


@pytest.fixture
def recorder(seed_client: Callable[..., Any]) -> None:
    seed_client("s3", US).create_bucket(Bucket="config-history")
    us = seed_client("config", US)
    us.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    us.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-history"})
    us.start_configuration_recorder(ConfigurationRecorderName="default")


def test_config_recorders_are_read_per_region(ctx: AwsContext, recorder: None) -> None:
    result = run(config.COLLECTOR, ctx)
    assert result.errors == []
    found = {r.region: r for r in by_id(result, ConfigRegion).values()}
    assert set(found) == {US, EU}
    assert found[US].resource_id == config.region_arn(ACCOUNT, US)
    assert found[US].recorders is not None and len(found[US].recorders) == 1
    default = found[US].recorders[0]
    assert default == ConfigRecorder(
        name="default", role_arn=f"arn:aws:iam::{ACCOUNT}:role/config", all_supported=True,
        include_global_resource_types=True, recording_strategy="ALL_SUPPORTED_RESOURCE_TYPES",
        recording=True, last_status=default.last_status)
    assert default.last_status in ("PENDING", "SUCCESS")
    assert found[EU].recorders == ()  # read, and there is none


def test_config_failures_keep_the_region_record_with_unread_fields(ctx: AwsContext, recorder: None) -> None:
    answer_with_error(ctx, "config", "DescribeConfigurationRecorders", "AccessDeniedException", region=EU)
    answer_with_error(ctx, "config", "DescribeConfigurationRecorderStatus", "ThrottlingException", region=US)
    result = run(config.COLLECTOR, ctx)
    assert errors(result) == [
        ("DescribeConfigurationRecorderStatus", US, "Throttled", config.region_arn(ACCOUNT, US)),
        ("DescribeConfigurationRecorders", EU, "AccessDeniedException", config.region_arn(ACCOUNT, EU)),
    ]
    found = {r.region: r for r in by_id(result, ConfigRegion).values()}
    assert found[EU].recorders is None
    assert found[US].recorders is not None and len(found[US].recorders) == 1
    default = found[US].recorders[0]
    assert default.name == "default" and default.recording is None and default.all_supported is True
