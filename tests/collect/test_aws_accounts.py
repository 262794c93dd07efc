"""Assumed roles and organisation accounts against moto in server mode.

moto accepts AssumeRole into any account id and scopes every later request made with
the returned keys to the account in the role ARN, so an emulated organisation has
real, separate member accounts. A refused role is injected with a botocore handler on
the scanner's own STS client that answers with a real STS error document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner import exitcodes, registry, runner
from scanner.collect.aws import accounts
from scanner.collect.aws.accounts import AccountOptions, AssumeRoleFailed
from scanner.collect.aws.context import AwsContext, AwsSetupError, WriteOperationRefused, _refuse_writes
from scanner.collect.aws.s3 import COLLECTOR as S3_COLLECTOR
from scanner.collect.base import UnreachableScope
from scanner.collect.pool import Pool
from scanner.model import Status

MANAGEMENT = "123456789012"
US = "us-east-1"
PUBLIC = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}


class Org:
    """An emulated organisation: the management account plus two members."""

    def __init__(self, seed_client: Callable[..., Any], endpoint: str) -> None:
        self.endpoint = endpoint
        org = seed_client("organizations")
        org.create_organization(FeatureSet="ALL")
        self.members = [
            org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
            for name in ("alpha", "beta")
        ]
        self._sts = seed_client("sts")

    def s3(self, account: str) -> Any:
        """A writing S3 client acting in ``account`` (moto maps the keys to it)."""
        import boto3

        issued = self._sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder",
                                       RoleSessionName="seeder")["Credentials"]
        return boto3.client("s3", region_name=US, endpoint_url=self.endpoint,
                            aws_access_key_id=issued["AccessKeyId"],
                            aws_secret_access_key=issued["SecretAccessKey"],
                            aws_session_token=issued["SessionToken"])


@pytest.fixture
def org(seed_client: Callable[..., Any], aws_endpoint: str) -> Org:
    return Org(seed_client, aws_endpoint)


@pytest.fixture
def hub(aws_endpoint: str) -> Iterator[AwsContext]:
    with Pool(4) as pool:
        yield AwsContext.open(profile=None, regions=(US,), endpoint_url=aws_endpoint, pool=pool)


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


def refuse_assume(hub: AwsContext, account: str, code: str = "AccessDenied") -> list[str]:
    """The hub's STS client answers AssumeRole into ``account`` with an STS error
    document (parsed by botocore as usual); returns the role ARNs it saw."""
    seen: list[str] = []

    def respond(request: Any, **_: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        seen.append(body)
        if f"iam%3A%3A{account}%3Arole" not in body:
            return None
        xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
               f"<Message>not authorized to assume the role</Message></Error>"
               f"<RequestId>injected</RequestId></ErrorResponse>").encode()
        return AWSResponse(request.url, 403, HTTPHeaders(), _Body(xml))

    events: Any = hub.client("sts", hub.home_region).meta.events
    events.register("before-send.sts.AssumeRole", respond)
    return seen


def count_assumes(hub: AwsContext) -> list[str]:
    calls: list[str] = []

    def seen(params: dict[str, Any], **_: Any) -> None:
        calls.append(str(params["RoleArn"]))

    events: Any = hub.client("sts", hub.home_region).meta.events
    events.register("provide-client-params.sts.AssumeRole", seen)
    return calls


def public_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{**PUBLIC, "Resource": f"arn:aws:s3:::{bucket}/*"}]})


# the guard ---------------------------------------------------------------------------


def test_only_the_sts_client_may_assume_a_role_and_other_writes_stay_refused(hub: AwsContext) -> None:
    sts = hub.client("sts", US)
    answer = sts.assume_role(RoleArn=f"arn:aws:iam::{MANAGEMENT}:role/Audit", RoleSessionName="t1")
    assert answer["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{MANAGEMENT}:assumed-role/Audit/")
    with pytest.raises(WriteOperationRefused, match="AssumeRoleWithWebIdentity"):
        sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{MANAGEMENT}:role/Audit",
                                          RoleSessionName="t1", WebIdentityToken="x" * 8)
    with pytest.raises(WriteOperationRefused, match="CreateRole"):
        hub.client("iam", US).create_role(RoleName="x", AssumeRolePolicyDocument="{}")
    with pytest.raises(WriteOperationRefused, match="PutBucketAcl"):
        hub.client("s3", US).put_bucket_acl(Bucket="b", ACL="public-read")
    # the allowance is tied to the service: an operation of that name elsewhere is refused
    elsewhere = SimpleNamespace(name="AssumeRole", service_model=SimpleNamespace(service_name="iam"))
    with pytest.raises(WriteOperationRefused):
        _refuse_writes(elsewhere)
    _refuse_writes(SimpleNamespace(name="AssumeRole", service_model=SimpleNamespace(service_name="sts")))


# one role ----------------------------------------------------------------------------


def test_a_role_arn_gives_a_context_acting_in_that_account(org: Org, hub: AwsContext) -> None:
    alpha = org.members[0]
    org.s3(alpha).create_bucket(Bucket="alpha-data")
    ctx = accounts.assume(hub, f"arn:aws:iam::{alpha}:role/Audit", session_name="audit-run")
    assert ctx.account == alpha and ctx.regions == (US,) and ctx.pool is hub.pool
    identity = ctx.client("sts", US).get_caller_identity()
    assert identity["Account"] == alpha
    assert identity["Arn"].endswith(":assumed-role/Audit/audit-run")
    assert [b["Name"] for b in ctx.client("s3", US).list_buckets()["Buckets"]] == ["alpha-data"]
    assert hub.client("s3", US).list_buckets()["Buckets"] == []  # the hub stays in its own account


def test_external_id_is_sent_with_every_assumption(org: Org, hub: AwsContext) -> None:
    sent: list[dict[str, Any]] = []
    events: Any = hub.client("sts", US).meta.events
    events.register("provide-client-params.sts.AssumeRole", lambda params, **_: sent.append(dict(params)))
    accounts.open_accounts(hub, AccountOptions(accounts=tuple(org.members), org_role="Audit", external_id="ext-42"))
    assert sorted(p["RoleArn"] for p in sent) == sorted(f"arn:aws:iam::{a}:role/Audit" for a in org.members)
    assert {p["ExternalId"] for p in sent} == {"ext-42"}
    assert {p["RoleSessionName"] for p in sent} == {"skyscan"}


def test_expiring_credentials_are_refreshed_through_the_guarded_client(org: Org, hub: AwsContext) -> None:
    alpha = org.members[0]
    org.s3(alpha).create_bucket(Bucket="alpha-data")
    calls = count_assumes(hub)
    now = [datetime.now(UTC)]
    ctx = accounts.assume(hub, f"arn:aws:iam::{alpha}:role/Audit", clock=lambda: now[0])
    s3 = ctx.client("s3", US)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["alpha-data"]
    first_key = ctx.session.get_credentials().get_frozen_credentials().access_key
    assert len(calls) == 1
    # five minutes before the hour AssumeRole grants ends: inside botocore's mandatory
    # refresh window (the emulator dates the new credentials from the real clock)
    now[0] += timedelta(minutes=55)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["alpha-data"]
    assert len(calls) == 2
    assert ctx.session.get_credentials().get_frozen_credentials().access_key != first_key


def test_a_refused_single_role_is_a_setup_error_naming_the_flag(org: Org, hub: AwsContext) -> None:
    alpha = org.members[0]
    refuse_assume(hub, alpha)
    with pytest.raises(AssumeRoleFailed) as failed:
        accounts.assume(hub, f"arn:aws:iam::{alpha}:role/Audit")
    assert failed.value.code == "AccessDenied"
    with pytest.raises(AwsSetupError, match=r"^--role-arn: .*AccessDenied"):
        accounts.open_accounts(hub, AccountOptions(role_arn=f"arn:aws:iam::{alpha}:role/Audit"))


# an organisation ---------------------------------------------------------------------


def test_org_lists_active_accounts_and_assumes_the_role_in_each(org: Org, hub: AwsContext) -> None:
    calls = count_assumes(hub)
    units = accounts.open_accounts(hub, AccountOptions(org=True, org_role="audit/SkyscanAudit"))
    assert [scope.account for _, scope in units] == sorted([MANAGEMENT, *org.members])
    for context, scope in units:
        assert isinstance(context, AwsContext) and context.account == scope.account
        assert scope.regions == (US,)
    assert sorted(calls) == sorted(f"arn:aws:iam::{a}:role/audit/SkyscanAudit" for a in [MANAGEMENT, *org.members])


def test_a_role_arn_is_the_hub_for_the_accounts_behind_it(org: Org, hub: AwsContext) -> None:
    alpha, beta = org.members
    calls = count_assumes(hub)
    units = accounts.open_accounts(hub, AccountOptions(role_arn=f"arn:aws:iam::{alpha}:role/Jump",
                                                       accounts=(beta,), org_role="Audit"))
    ((context, scope),) = units
    assert isinstance(context, AwsContext) and context.account == scope.account == beta
    assert context.client("sts", US).get_caller_identity()["Arn"].startswith(f"arn:aws:sts::{beta}:assumed-role/Audit/")
    assert calls == [f"arn:aws:iam::{alpha}:role/Jump"]  # the member role was assumed from the jump role


def test_accounts_narrow_the_org_and_unknown_ones_are_unreachable(org: Org, hub: AwsContext) -> None:
    alpha = org.members[0]
    stranger = "999999999999"
    units = accounts.open_accounts(hub, AccountOptions(org=True, accounts=(alpha, stranger)))
    by_account = {scope.account: context for context, scope in units}
    assert set(by_account) == {alpha, stranger}
    assert isinstance(by_account[alpha], AwsContext)
    failure = by_account[stranger]
    assert isinstance(failure, UnreachableScope)
    assert (failure.operation, failure.code) == ("ListAccounts", "NotAnActiveMember")


def answer_list_accounts(hub: AwsContext, pages: list[dict[str, Any]], status: int = 200) -> list[Any]:
    """The hub's Organizations client answers ListAccounts with ``pages`` in turn."""
    tokens: list[Any] = []

    def asked(params: dict[str, Any], **_: Any) -> None:
        tokens.append(params.get("NextToken"))

    def respond(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        return AWSResponse("http://injected", status, HTTPHeaders(), None), pages[len(tokens) - 1]

    events: Any = hub.client("organizations", US).meta.events
    events.register("provide-client-params.organizations.ListAccounts", asked)
    events.register("before-call.organizations.ListAccounts", respond)
    return tokens


def test_org_listing_follows_pages_and_keeps_active_accounts(hub: AwsContext) -> None:
    tokens = answer_list_accounts(hub, [
        {"Accounts": [{"Id": "111111111111", "State": "ACTIVE", "Status": "ACTIVE"},
                      {"Id": "222222222222", "State": "SUSPENDED", "Status": "SUSPENDED"}],
         "NextToken": "page-2"},
        {"Accounts": [{"Id": "333333333333", "Status": "ACTIVE"},  # before State existed
                      {"Id": "444444444444", "State": "PENDING_CLOSURE", "Status": "PENDING_CLOSURE"}]},
    ])
    assert accounts.organisation_accounts(hub) == ("111111111111", "333333333333")
    assert tokens == [None, "page-2"]


def test_org_listing_refused_or_empty_is_a_setup_error(hub: AwsContext) -> None:
    # no organisation was created: moto lists nothing
    with pytest.raises(AwsSetupError, match=r"^--org: .*no active account"):
        accounts.open_accounts(hub, AccountOptions(org=True))
    answer_list_accounts(hub, [{"Error": {"Code": "AccessDeniedException", "Message": "no"}}], status=400)
    with pytest.raises(AwsSetupError, match=r"^--org: .*could not be listed \(AccessDeniedException\)"):
        accounts.open_accounts(hub, AccountOptions(org=True))


def test_an_account_whose_role_is_refused_is_an_error_and_the_others_are_scanned(
    org: Org, hub: AwsContext
) -> None:
    alpha, beta = org.members
    org.s3(alpha).create_bucket(Bucket="alpha-public")
    org.s3(alpha).put_bucket_policy(Bucket="alpha-public", Policy=public_policy("alpha-public"))
    org.s3(MANAGEMENT).create_bucket(Bucket="management-private")
    refuse_assume(hub, beta)

    units = accounts.open_accounts(hub, AccountOptions(org=True))
    failed = dict((scope.account, context) for context, scope in units)[beta]
    assert isinstance(failed, UnreachableScope)
    assert (failed.service, failed.operation, failed.code) == ("sts", "AssumeRole", "AccessDenied")

    snap = runner.collect(units, [S3_COLLECTOR])
    assert sorted(s.account for s in snap.scopes) == sorted([MANAGEMENT, alpha, beta])
    assert {(e.account, e.operation, e.code, e.resource_type, e.resource_id) for e in snap.errors} == {
        (beta, "AssumeRole", "AccessDenied", "aws.s3.bucket", None),
        (beta, "AssumeRole", "AccessDenied", "aws.s3.account", None),
    }
    checks = [c for c in registry.load().checks if c.spec.id == "aws_s3_bucket_policy_public"]
    result = runner.scan(snap, checks)
    verdicts = {(f.account, f.resource_id): f.status for f in result.findings}
    assert verdicts == {
        (alpha, "arn:aws:s3:::alpha-public"): Status.FAIL,
        (MANAGEMENT, "arn:aws:s3:::management-private"): Status.PASS,
        (beta, f"aws:{beta}:global:aws.s3.bucket:*"): Status.ERROR,
        (beta, f"aws:{beta}:global:aws.s3.account:*"): Status.ERROR,  # the check reads both types
    }
    assert exitcodes.for_result(result, None) == exitcodes.INCOMPLETE
