"""AWS KMS keys in every enabled region.

Per region, ListKeys (every page) in ``ctx.pool``; then per key, also in the pool,
DescribeKey, GetKeyRotationStatus only where the owner controls rotation (enabled,
customer-managed, symmetric ENCRYPT_DECRYPT keys with KMS-generated material: see
``KmsKey.rotation_applies``) and GetKeyPolicy "default" for customer-managed keys.

A failed ListKeys records a scope-level CollectionError (resource_id None) for the
region. A failed DescribeKey drops the key (nothing about it is known, not even whether
the customer manages it) with an error naming it; a failed rotation or policy read
leaves that field None with an error naming the key. A key deleted between the listing
and its reads (NotFoundException) is dropped silently.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.base import REGION, Call, CollectorSpec, CollectResult
from scanner.resources.aws_logging import ENCRYPT_DECRYPT, KeyPolicy, KeyRotation, KmsKey

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

SERVICE = "kms"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
VANISHED_CODES = frozenset({"NotFoundException"})


def collect(ctx: AwsContext, result: CollectResult) -> None:
    regions = ctx.enabled_regions(result)
    listed: list[tuple[str, str]] = []  # (region, key ARN)
    lock = threading.Lock()

    def list_region(region: str) -> None:
        found = [(region, arn) for arn in _list_keys(ctx, result, region)]
        with lock:
            listed.extend(found)

    # one flat batch per phase: a pool task never waits on tasks of the same pool
    ctx.pool.run(list_region, regions)
    ctx.pool.run(lambda item: _key(ctx, result, *item), sorted(listed))


def _client(ctx: AwsContext, region: str) -> KMSClient:
    return cast("KMSClient", ctx.client(SERVICE, region))


def _fail(ctx: AwsContext, result: CollectResult, exc: Exception, region: str, operation: str,
          resource_id: str | None) -> None:
    result.fail(ctx.error(exc, region=region, service=SERVICE, operation=operation,
                          resource_type=KmsKey.TYPE, resource_id=resource_id))


def _list_keys(ctx: AwsContext, result: CollectResult, region: str) -> list[str]:
    try:
        keys: list[str] = []
        for page in _client(ctx, region).get_paginator("list_keys").paginate():
            keys.extend(str(k.get("KeyArn") or k["KeyId"]) for k in page.get("Keys", []))
        return keys
    except SDK_ERRORS as exc:
        _fail(ctx, result, exc, region, "ListKeys", None)
        return []


def _key(ctx: AwsContext, result: CollectResult, region: str, arn: str) -> None:
    client = _client(ctx, region)
    try:
        meta: Any = client.describe_key(KeyId=arn)["KeyMetadata"]
    except SDK_ERRORS as exc:
        if error_code(exc) not in VANISHED_CODES:
            _fail(ctx, result, exc, region, "DescribeKey", arn)
        return
    key_id = str(meta["KeyId"])
    arn = str(meta.get("Arn") or arn)
    key = KmsKey(
        account=ctx.account,
        region=region,
        resource_id=arn,
        name=key_id,
        key_id=key_id,
        key_manager=str(meta.get("KeyManager", "")),
        key_spec=str(meta.get("KeySpec") or meta.get("CustomerMasterKeySpec") or ""),
        # ENCRYPT_DECRYPT is CreateKey's documented default (some emulators omit it)
        key_usage=str(meta.get("KeyUsage") or ENCRYPT_DECRYPT),
        key_state=str(meta.get("KeyState", "")),
        origin=str(meta.get("Origin", "")),
        multi_region=bool(meta.get("MultiRegion", False)),
    )
    rotation = _rotation(ctx, result, client, key) if key.rotation_applies() else None
    policy = _policy(ctx, result, client, key) if key.policy_applies() else None
    result.add(dataclasses.replace(key, rotation=rotation, policy=policy))


def _rotation(ctx: AwsContext, result: CollectResult, client: KMSClient, key: KmsKey) -> KeyRotation | None:
    try:
        answer = client.get_key_rotation_status(KeyId=key.key_id)
    except SDK_ERRORS as exc:
        _fail(ctx, result, exc, key.region, "GetKeyRotationStatus", key.resource_id)
        return None
    period = answer.get("RotationPeriodInDays")
    return KeyRotation(enabled=bool(answer.get("KeyRotationEnabled", False)),
                       period_days=int(period) if period is not None else None)


def _policy(ctx: AwsContext, result: CollectResult, client: KMSClient, key: KmsKey) -> KeyPolicy | None:
    try:
        text = client.get_key_policy(KeyId=key.key_id, PolicyName="default").get("Policy", "")
    except SDK_ERRORS as exc:
        _fail(ctx, result, exc, key.region, "GetKeyPolicy", key.resource_id)
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        return KeyPolicy(document=None, raw_error=f"not valid JSON: {exc.msg}")
    if not isinstance(document, dict):
        return KeyPolicy(document=None, raw_error="not a JSON object")
    return KeyPolicy(document=document)


COLLECTOR = CollectorSpec(
    name="aws.kms",
    provider="aws",
    produces=(KmsKey.TYPE,),
    permissions=(
        "kms:ListKeys",
        "kms:DescribeKey",
        "kms:GetKeyRotationStatus",
        "kms:GetKeyPolicy",
        "ec2:DescribeRegions",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=(KmsKey,),
    calls=(
        Call("kms", "ListKeys", REGION, pages=True),
        Call("kms", "DescribeKey", KmsKey.TYPE),
        Call("kms", "GetKeyRotationStatus", KmsKey.TYPE, conditional=True),  # see KmsKey.rotation_applies
        Call("kms", "GetKeyPolicy", KmsKey.TYPE, conditional=True),  # customer-managed keys
    ),
)
