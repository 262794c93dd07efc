"""The fault proxy itself: forwarding, request identification, each fault kind as the
real SDKs parse it, frequencies, concurrency, and HTTPS in front of the ARM server."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import botocore.config
import botocore.exceptions
import pytest
from botocore.parsers import ResponseParserError

from tests.azure_arm import ArmServer
from tests.conftest import MOTO_ACCOUNT
from tests.faultproxy import FaultProxy, Rule, arm_type

NO_RETRIES = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=20,
                                    connect_timeout=5)
SHORT_READS = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=1)


@pytest.fixture
def proxy(aws_endpoint: str) -> Iterator[FaultProxy]:
    with FaultProxy(aws_endpoint) as started:
        yield started


@pytest.fixture
def client(proxy: FaultProxy) -> Callable[..., Any]:
    import boto3

    session = boto3.Session()

    def make(service: str, region: str = "us-east-1", config: botocore.config.Config = NO_RETRIES) -> Any:
        return session.client(service, region_name=region, endpoint_url=proxy.url, config=config)  # type: ignore[call-overload]

    return make


def error_code(call: Callable[[], Any]) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return str(caught.value.response["Error"]["Code"])


def test_forwards_and_names_each_protocols_operation(proxy: FaultProxy, client: Callable[..., Any],
                                                     s3_seed: Any) -> None:
    s3_seed.create_bucket(Bucket="kept")
    s3 = client("s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["kept"]
    s3.get_bucket_acl(Bucket="kept")
    s3.get_bucket_versioning(Bucket="kept")
    client("ec2", "eu-west-1").describe_security_groups()
    client("iam").list_users()
    client("kms", "eu-west-1").list_keys()
    client("lambda").list_functions()
    seen = [(e.service, e.region, e.operation, e.status, e.fault) for e in proxy.log]
    assert seen == [
        ("s3", "us-east-1", "ListBuckets", 200, None),
        ("s3", "us-east-1", "GetBucketAcl", 200, None),
        ("s3", "us-east-1", "GetBucketVersioning", 200, None),
        ("ec2", "eu-west-1", "DescribeSecurityGroups", 200, None),
        ("iam", "us-east-1", "ListUsers", 200, None),
        ("kms", "eu-west-1", "ListKeys", 200, None),
        ("lambda", "us-east-1", "ListFunctions", 200, None),
    ]
    assert {e.access_key for e in proxy.log} == {"testing"}


@pytest.mark.parametrize(
    ("service", "region", "call", "throttled", "denied", "expired"),
    [
        ("s3", "us-east-1", lambda c: c.list_buckets(), "SlowDown", "AccessDenied", "ExpiredToken"),
        ("ec2", "us-east-1", lambda c: c.describe_regions(), "RequestLimitExceeded", "UnauthorizedOperation",
         "RequestExpired"),
        ("iam", "us-east-1", lambda c: c.list_users(), "Throttling", "AccessDenied", "ExpiredToken"),
        ("kms", "us-east-1", lambda c: c.list_keys(), "ThrottlingException", "AccessDeniedException",
         "ExpiredTokenException"),
        ("lambda", "us-east-1", lambda c: c.list_functions(), "ThrottlingException", "AccessDeniedException",
         "ExpiredTokenException"),
    ],
)
def test_error_faults_parse_as_the_protocols_own_errors(
    proxy: FaultProxy, client: Callable[..., Any], service: str, region: str, call: Callable[[Any], Any],
    throttled: str, denied: str, expired: str,
) -> None:
    sdk = client(service, region)
    for kind, expected in (("throttle", throttled), ("access_denied", denied), ("expired_token", expired),
                           ("server_error", None)):
        proxy.clear()
        proxy.add(Rule(kind, service=service))
        code = error_code(lambda: call(sdk))
        if expected is not None:
            assert code == expected
        else:
            assert code in {"InternalError", "InternalFailure", "500"}
    assert [e.fault for e in proxy.log] == ["throttle", "access_denied", "expired_token", "server_error"]
    assert all(e.status is not None and e.status >= 400 for e in proxy.log)


def test_reset_timeout_malformed_and_truncated(proxy: FaultProxy, client: Callable[..., Any], s3_seed: Any) -> None:
    s3_seed.create_bucket(Bucket="bucket-one")
    s3, iam = client("s3"), client("iam")
    proxy.add(Rule("reset", operation="ListBuckets", times=1))
    with pytest.raises((botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError)):
        s3.list_buckets()
    proxy.add(Rule("timeout", operation="GetBucketAcl", times=1, seconds=3))
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        client("s3", config=SHORT_READS).get_bucket_acl(Bucket="bucket-one")
    proxy.add(Rule("malformed", operation="ListUsers", times=1))
    with pytest.raises(ResponseParserError):
        iam.list_users()
    proxy.add(Rule("truncated", operation="ListRoles", times=1))
    with pytest.raises(ResponseParserError):
        iam.list_roles()
    # botocore itself turns an S3 200 whose XML does not parse into a 500 error
    proxy.add(Rule("truncated", operation="GetBucketVersioning", times=1))
    assert error_code(lambda: s3.get_bucket_versioning(Bucket="bucket-one")) == "500"
    # every rule was for one request only: the same calls now succeed
    assert s3.list_buckets()["Buckets"][0]["Name"] == "bucket-one"
    assert iam.list_roles()["Roles"] == []
    assert proxy.counts() == {"reset": 1, "timeout": 1, "malformed": 1, "truncated": 2, None: 2}
    assert [e.status for e in proxy.faulted()] == [None, None, 200, 200, 200]


def test_json_bodies_are_broken_too(proxy: FaultProxy, client: Callable[..., Any]) -> None:
    """botocore reads an unparseable JSON 200 as an empty answer: the scanner must
    check it itself, so the proxy must really send one."""
    bodies: list[bytes] = []
    kms = client("kms")
    kms.meta.events.register("before-parse.kms.ListKeys", lambda response_dict, **_: bodies.append(
        response_dict["body"]))
    for kind in ("malformed", "truncated", None):
        proxy.clear()
        if kind:
            proxy.add(Rule(kind, operation="ListKeys"))
        kms.list_keys()
    assert json.loads(bodies[2])["Keys"] == []
    for broken in bodies[:2]:
        with pytest.raises(ValueError):
            json.loads(broken)
    assert bodies[1] == bodies[2][: len(bodies[2]) // 2]


def test_frequencies_times_rate_and_after(proxy: FaultProxy, client: Callable[..., Any]) -> None:
    iam = client("iam")
    proxy.add(Rule("throttle", operation="ListUsers", times=2))
    codes = [_code_or_ok(iam.list_users) for _ in range(4)]
    assert codes == ["Throttling", "Throttling", "ok", "ok"]
    proxy.clear()
    proxy.add(Rule("throttle", operation="ListRoles", rate=0.5))
    rated = [_code_or_ok(iam.list_roles) for _ in range(40)]
    assert 8 <= rated.count("Throttling") <= 32 and "ok" in rated
    proxy.clear()
    seen = len(proxy.log)
    proxy.add(Rule("expired_token", after=seen + 3))
    later = [_code_or_ok(iam.list_groups) for _ in range(6)]
    assert later == ["ok", "ok", "ok", "ExpiredToken", "ExpiredToken", "ExpiredToken"]


def _code_or_ok(call: Callable[[], Any]) -> str:
    try:
        call()
    except botocore.exceptions.ClientError as exc:
        return str(exc.response["Error"]["Code"])
    return "ok"


def test_rate_is_reproducible_with_a_seed(aws_endpoint: str) -> None:
    import boto3

    def pattern(seed: int) -> list[str]:
        with FaultProxy(aws_endpoint, seed=seed) as proxy:
            proxy.add(Rule("throttle", service="sts", rate=0.5))
            sts = boto3.client("sts", endpoint_url=proxy.url, config=NO_RETRIES)
            return [_code_or_ok(sts.get_caller_identity) for _ in range(12)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)


def test_accounts_are_learned_from_sts_and_matched(proxy: FaultProxy, client: Callable[..., Any],
                                                   seed_client: Callable[..., Any]) -> None:
    member = "222222222222"
    role = f"arn:aws:iam::{member}:role/Audit"
    assumed = client("sts").assume_role(RoleArn=role, RoleSessionName="audit")["Credentials"]
    client("sts").get_caller_identity()
    import boto3

    member_iam = boto3.client("iam", endpoint_url=proxy.url, config=NO_RETRIES,
                              aws_access_key_id=assumed["AccessKeyId"],
                              aws_secret_access_key=assumed["SecretAccessKey"],
                              aws_session_token=assumed["SessionToken"])
    proxy.add(Rule("access_denied", account=member))
    assert error_code(member_iam.list_users) == "AccessDenied"
    assert client("iam").list_users()["Users"] == []  # the caller's own account is not matched
    accounts = [(e.operation, e.account, e.fault) for e in proxy.log[-2:]]
    assert accounts == [("ListUsers", member, "access_denied"), ("ListUsers", MOTO_ACCOUNT, None)]


def test_sixty_four_keep_alive_clients_with_latency(proxy: FaultProxy, client: Callable[..., Any]) -> None:
    proxy.delay = 0.05
    config = botocore.config.Config(retries={"total_max_attempts": 1}, max_pool_connections=4)
    failures: list[BaseException] = []

    def work() -> None:
        sts = client("sts", config=config)
        try:
            for _ in range(5):
                assert sts.get_caller_identity()["Account"] == MOTO_ACCOUNT
        except BaseException as exc:  # collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert proxy.counts("operation") == {"GetCallerIdentity": 320}


def test_arm_paths_name_their_resource_type() -> None:
    sub = "/subscriptions/0000"
    assert arm_type("/subscriptions") == "Microsoft.Resources/subscriptions"
    assert arm_type(f"{sub}/providers/Microsoft.Storage/storageAccounts") == "Microsoft.Storage/storageAccounts"
    assert arm_type(f"{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/blobServices/default/"
                    "containers") == "Microsoft.Storage/storageAccounts/blobServices/containers"
    assert arm_type(f"{sub}/resourceGroups/rg/providers/Microsoft.Sql/servers/s/databases/d/"
                    "transparentDataEncryption/current") == "Microsoft.Sql/servers/databases/transparentDataEncryption"


def test_https_in_front_of_the_resource_manager(arm: ArmServer, azure_settings: Any, tmp_path: Path) -> None:
    from dataclasses import replace

    import trustme

    from scanner.collect.azure.arm import ArmError, ArmOptions
    from scanner.collect.azure.context import open_contexts
    from scanner.collect.pool import Pool

    subscription = "00000000-0000-0000-0000-00000000000a"
    arm.model.add_subscription(subscription)
    arm.model.add_storage_account(subscription, "acct1")
    with FaultProxy(arm.url, tls=trustme.CA(), upstream_ca=arm.ca_path) as proxy:
        bundle = proxy.write_ca_bundle(tmp_path / "ca.pem", arm.ca_path)
        settings = replace(azure_settings, arm_endpoint=proxy.url, ca_bundle=str(bundle))
        with Pool(4) as pool:
            options = ArmOptions(retry_total=1, retry_backoff_factor=0.01, read_timeout=2)
            (context,) = open_contexts(settings, pool, options=options)
            path = f"/subscriptions/{subscription}/providers/Microsoft.Storage/storageAccounts"
            assert [a["name"] for a in context.reader.list(path, "2023-05-01")] == ["acct1"]
            proxy.add(Rule("access_denied", operation=re.compile("storageAccounts$"), times=1))
            with pytest.raises(ArmError) as caught:
                list(context.reader.list(path, "2023-05-01"))
            assert caught.value.code == "AuthorizationFailed"
    entries = [(e.provider, e.service, e.account, e.operation, e.status, e.fault) for e in proxy.log]
    assert entries[-2:] == [
        ("azure", "storage", subscription, "GET Microsoft.Storage/storageAccounts", 200, None),
        ("azure", "storage", subscription, "GET Microsoft.Storage/storageAccounts", 403, "access_denied"),
    ]
