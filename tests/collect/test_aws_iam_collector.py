"""The IAM and Access Analyzer collectors against emulators over HTTP: moto in server
mode for IAM, and ``tests.access_analyzer_emulator`` for Access Analyzer (moto has
none). The tests seed with their own (writing) clients, run the collectors through
``AwsContext`` (read-only guarded) and assert the records field by field. Failures are
injected with botocore event handlers on the scanner's session.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanner.collect.aws import accessanalyzer, iam_credential_report
from scanner.collect.aws.context import AwsContext, WriteOperationRefused
from scanner.collect.aws.iam import COLLECTOR
from scanner.collect.base import CollectResult
from scanner.collect.pool import Pool
from scanner.resources.aws_iam import (
    AccessAnalyzerRegion,
    Analyzer,
    AttachedPolicy,
    ConsoleAccess,
    IamAccountSettings,
    IamGroup,
    IamManagedPolicy,
    IamRole,
    IamRootUser,
    IamServerCertificate,
    IamUser,
    InlinePolicy,
    KeyUsage,
    PasswordPolicy,
    RootSummary,
)
from scanner.snapshot import CollectionError
from tests import access_analyzer_emulator

ACCOUNT = "123456789012"
US = "us-east-1"
EU = "eu-west-1"
IAM = f"arn:aws:iam::{ACCOUNT}"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
SUPPORT = "arn:aws:iam::aws:policy/AWSSupportAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


EVERYTHING = doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
READ_OBJECTS = doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"})
DESCRIBE = doc({"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"})
TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"{IAM}:root"}, "Action": "sts:AssumeRole"})

# every per-principal read, by the parameter naming the principal
USER_READS = {
    "GetLoginProfile",
    "ListMFADevices",
    "ListAccessKeys",
    "ListGroupsForUser",
    "ListAttachedUserPolicies",
    "ListUserPolicies",
    "GetUserPolicy",
}
GROUP_READS = {"ListAttachedGroupPolicies", "ListGroupPolicies", "GetGroupPolicy"}
ROLE_READS = {"ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy"}
NAMING_PARAMS = ("UserName", "GroupName", "RoleName", "PolicyArn", "AccessKeyId")


# helpers -------------------------------------------------------------------------------


class CallLog:
    """Every API call of clients the context creates from now on, as (operation,
    the principal, policy or key it names, or None)."""

    def __init__(self, ctx: AwsContext) -> None:
        self.calls: list[tuple[str, str | None]] = []
        register_on_session(ctx, "before-call.*.*", self._seen)

    def _seen(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, named_in(params)))

    def per_target(self) -> dict[str, Counter[str]]:
        found: dict[str, Counter[str]] = {}
        for operation, target in self.calls:
            if target is not None:
                found.setdefault(target, Counter())[operation] += 1
        return found

    def operations(self) -> Counter[str]:
        return Counter(operation for operation, _ in self.calls)


def named_in(request: dict[str, Any]) -> str | None:
    """The principal, policy or key a serialised IAM (query protocol) request names."""
    body = request.get("body")
    fields = body if isinstance(body, dict) else {}
    return next((str(fields[p]) for p in NAMING_PARAMS if p in fields), None)


def register_on_session(ctx: AwsContext, event: str, handler: Callable[..., Any]) -> None:
    events: Any = ctx.session.events
    events.register(event, handler)


def answer_with_error(
    ctx: AwsContext,
    service: str,
    operation: str,
    code: str,
    *,
    only: str | None = None,
    status: int = 403,
    times: int | None = None,
) -> list[int]:
    """Answer ``operation`` (for the principal or key ``only`` names, if given; the
    first ``times`` calls, if given) with an error instead of sending it. Returns a list
    growing by one per error answered."""
    answered: list[int] = []

    def respond(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if only is not None and named_in(params) != only:
            return None
        if times is not None and len(answered) >= times:
            return None
        answered.append(1)
        parsed = {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        }
        return AWSResponse("http://injected", status, HTTPHeaders(), None), parsed

    register_on_session(ctx, f"before-call.{service}.{operation}", respond)
    return answered


def run(ctx: AwsContext, collector: Any = COLLECTOR) -> CollectResult:
    result = CollectResult()
    collector.collect(ctx, result)
    return result


def records(result: CollectResult, kind: type[Any]) -> dict[str, Any]:
    found = {r.name: r for r in result.records if isinstance(r, kind)}
    assert len(found) == sum(isinstance(r, kind) for r in result.records)
    return found


def only(result: CollectResult, kind: type[Any]) -> Any:
    (record,) = records(result, kind).values()
    return record


# fixtures ------------------------------------------------------------------------------


@pytest.fixture
def iam_seed(seed_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> Any:
    """A seeding IAM client on an emulator that knows the AWS-managed policies
    (AdministratorAccess, AWSSupportAccess): moto loads them when it builds its IAM
    backend, on the first IAM call after the per-test reset, if this variable is set;
    the server runs in this process, so setting it here is enough."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return seed_client("iam")


@pytest.fixture
def seeded(iam_seed: Any) -> None:
    """Two users, two groups, two roles and three customer-managed policies."""
    iam = iam_seed
    iam.update_account_password_policy(
        MinimumPasswordLength=10, PasswordReusePrevention=5, RequireSymbols=True, MaxPasswordAge=90
    )
    for name, document in (("readonly-custom", DESCRIBE), ("unused-admin", EVERYTHING), ("versioned", READ_OBJECTS)):
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
    # the default version is what counts: v2 here
    iam.create_policy_version(
        PolicyArn=f"{IAM}:policy/versioned", PolicyDocument=json.dumps(EVERYTHING), SetAsDefault=True
    )

    iam.create_group(GroupName="admins")
    iam.put_group_policy(GroupName="admins", PolicyName="everything", PolicyDocument=json.dumps(EVERYTHING))
    iam.attach_group_policy(GroupName="admins", PolicyArn=f"{IAM}:policy/readonly-custom")
    iam.create_group(GroupName="empty", Path="/teams/")

    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="correct-horse-battery-staple")
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    iam.create_access_key(UserName="alice")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    iam.put_user_policy(UserName="alice", PolicyName="alice-reports", PolicyDocument=json.dumps(READ_OBJECTS))

    iam.create_user(UserName="bob", Path="/contractors/")
    first = iam.create_access_key(UserName="bob")["AccessKey"]["AccessKeyId"]
    iam.create_access_key(UserName="bob")
    iam.update_access_key(UserName="bob", AccessKeyId=first, Status="Inactive")
    iam.attach_user_policy(UserName="bob", PolicyArn=ADMIN)

    iam.create_role(RoleName="deploy", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="deploy", PolicyName="deploy-all", PolicyDocument=json.dumps(EVERYTHING))
    iam.create_role(RoleName="support", AssumeRolePolicyDocument=json.dumps(TRUST), Path="/ops/")
    iam.attach_role_policy(RoleName="support", PolicyArn=SUPPORT)


@pytest.fixture
def analyzer_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[access_analyzer_emulator.AccessAnalyzerEmulator]:
    with access_analyzer_emulator.running() as emulator:
        monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", emulator.url)
        yield emulator


@pytest.fixture
def split_context(
    aws_endpoint: str, pool: Pool, analyzer_emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., AwsContext]:
    """A context reaching moto through AWS_ENDPOINT_URL and Access Analyzer through its
    own endpoint variable (an explicit endpoint_url would override both)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)

    def make(regions: tuple[str, ...] | None = (US, EU)) -> AwsContext:
        return AwsContext.open(profile=None, regions=regions, endpoint_url=None, pool=pool)

    return make


# records, field by field ----------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_account_principals_and_policies_are_read_field_by_field(open_context: Callable[..., AwsContext]) -> None:
    result = run(open_context())

    # moto's credential report has no <root_account> row: the one expected error
    (error,) = result.errors
    assert (error.operation, error.code, error.resource_type, error.resource_id, error.region) == (
        "GetCredentialReport",
        "NoRootRow",
        "aws.iam.root_user",
        f"{IAM}:root",
        "global",
    )

    assert only(result, IamAccountSettings) == IamAccountSettings(
        account=ACCOUNT,
        region="global",
        resource_id=f"{IAM}:account",
        name=ACCOUNT,
        password_policy=PasswordPolicy(
            configured=True,
            minimum_length=10,
            reuse_prevention=5,
            max_age_days=90,
            require_symbols=True,
        ),
    )
    root = only(result, IamRootUser)
    assert (root.resource_id, root.region) == (f"{IAM}:root", "global")
    assert root.summary == RootSummary(mfa_enabled=False, access_keys_present=False)
    assert root.activity is None

    users = records(result, IamUser)
    assert sorted(users) == ["alice", "bob"]
    alice, bob = users["alice"], users["bob"]
    assert (alice.resource_id, alice.account, alice.region, alice.path) == (f"{IAM}:user/alice", ACCOUNT, "global", "/")
    assert alice.user_id and alice.created and alice.created.startswith("20")
    assert alice.console is not None and alice.console.password_enabled is True
    assert alice.console.created is not None and alice.console.last_used is None  # never signed in
    assert alice.mfa_devices is not None
    assert [d.serial for d in alice.mfa_devices] == [f"{IAM}:mfa/alice-phone"]
    assert alice.mfa_devices[0].enabled is not None
    assert alice.access_keys is not None and len(alice.access_keys) == 1
    (key,) = alice.access_keys
    assert (key.status, key.active, len(key.id_suffix)) == ("Active", True, 4)
    assert key.created is not None and key.usage == KeyUsage(last_used=None, service=None, region=None)
    assert alice.groups == ("admins",)
    assert alice.attached_policies == ()
    assert alice.inline_policies == (InlinePolicy(name="alice-reports", document=READ_OBJECTS),)

    assert (bob.resource_id, bob.path) == (f"{IAM}:user/contractors/bob", "/contractors/")
    assert bob.console == ConsoleAccess(password_enabled=False)
    assert bob.mfa_devices == ()
    assert bob.access_keys is not None
    assert sorted(k.status for k in bob.access_keys) == ["Active", "Inactive"]
    assert bob.groups == ()
    assert bob.attached_policies == (AttachedPolicy(arn=ADMIN, name="AdministratorAccess"),)
    assert bob.inline_policies == ()

    groups = records(result, IamGroup)
    assert groups["admins"] == IamGroup(
        account=ACCOUNT,
        region="global",
        resource_id=f"{IAM}:group/admins",
        name="admins",
        path="/",
        attached_policies=(AttachedPolicy(arn=f"{IAM}:policy/readonly-custom", name="readonly-custom"),),
        inline_policies=(InlinePolicy(name="everything", document=EVERYTHING),),
    )
    assert groups["empty"] == IamGroup(
        account=ACCOUNT,
        region="global",
        resource_id=f"{IAM}:group/teams/empty",
        name="empty",
        path="/teams/",
        attached_policies=(),
        inline_policies=(),
    )

    roles = records(result, IamRole)
    assert roles["deploy"] == IamRole(
        account=ACCOUNT,
        region="global",
        resource_id=f"{IAM}:role/deploy",
        name="deploy",
        path="/",
        trust_policy=TRUST,
        attached_policies=(),
        inline_policies=(InlinePolicy(name="deploy-all", document=EVERYTHING),),
    )
    assert roles["support"].attached_policies == (AttachedPolicy(arn=SUPPORT, name="AWSSupportAccess"),)
    assert roles["support"].resource_id == f"{IAM}:role/ops/support"
    assert roles["support"].service_linked is False

    policies = records(result, IamManagedPolicy)
    # every customer-managed policy, attached or not; AWS-managed ones only when attached
    assert sorted(policies) == [
        "AWSSupportAccess",
        "AdministratorAccess",
        "readonly-custom",
        "unused-admin",
        "versioned",
    ]
    assert policies["readonly-custom"] == IamManagedPolicy(
        account=ACCOUNT,
        region="global",
        resource_id=f"{IAM}:policy/readonly-custom",
        name="readonly-custom",
        aws_managed=False,
        attachment_count=1,
        default_version="v1",
        document=DESCRIBE,
    )
    assert (policies["unused-admin"].attachment_count, policies["unused-admin"].document) == (0, EVERYTHING)
    assert (policies["versioned"].default_version, policies["versioned"].document) == ("v2", EVERYTHING)
    admin = policies["AdministratorAccess"]
    assert (admin.resource_id, admin.aws_managed, admin.attachment_count) == (ADMIN, True, 1)
    assert admin.document is not None
    assert admin.document["Statement"][0]["Action"] == "*"
    assert (policies["AWSSupportAccess"].aws_managed, policies["AWSSupportAccess"].attachment_count) == (True, 1)


def test_an_account_without_a_password_policy_gets_aws_defaults(open_context: Callable[..., AwsContext]) -> None:
    result = run(open_context())

    assert only(result, IamAccountSettings).password_policy == PasswordPolicy(configured=False, minimum_length=8)
    assert records(result, IamUser) == {}
    assert [e.code for e in result.errors] == ["NoRootRow"]


def test_root_mfa_and_root_keys_come_from_the_account_summary(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()

    def summary(parsed: dict[str, Any], **_: Any) -> None:
        parsed["SummaryMap"].update({"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 1})

    register_on_session(ctx, "after-call.iam.GetAccountSummary", summary)
    assert only(run(ctx), IamRootUser).summary == RootSummary(mfa_enabled=True, access_keys_present=True)


# calls ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_each_read_is_made_once_per_principal_and_listings_once(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    log = CallLog(ctx)
    run(ctx)

    per_target = log.per_target()
    for user, inline in (("alice", 1), ("bob", 0)):
        counts = per_target[user]
        assert set(counts) == USER_READS - ({"GetUserPolicy"} if not inline else set()), user
        assert max(counts.values()) == 1, (user, counts)
    for group in ("admins", "empty"):
        assert max(per_target[group].values()) == 1
        assert set(per_target[group]) <= GROUP_READS
    for role in ("deploy", "support"):
        assert max(per_target[role].values()) == 1
        assert set(per_target[role]) <= ROLE_READS
    for name in ("readonly-custom", "unused-admin", "versioned"):
        assert per_target[f"{IAM}:policy/{name}"] == Counter({"GetPolicyVersion": 1})
    # one GetAccessKeyLastUsed per key: alice has one, bob two
    key_reads = [op for op, target in log.calls if op == "GetAccessKeyLastUsed"]
    assert len(key_reads) == 3 and len({t for op, t in log.calls if op == "GetAccessKeyLastUsed"}) == 3
    operations = log.operations()
    for listing in ("ListUsers", "ListGroups", "ListRoles", "GetAccountPasswordPolicy", "GetAccountSummary"):
        assert operations[listing] == 1, listing
    assert operations["ListPolicies"] == 2  # customer-managed, then AWS-managed in use
    assert operations["GenerateCredentialReport"] == 1 and operations["GetCredentialReport"] == 1


def test_every_listing_is_read_to_its_last_page(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    iam_seed = seed_client("iam")
    # moto pages ListRoles and ListPolicies (not ListUsers) when asked for small pages
    for index in range(5):
        iam_seed.create_role(RoleName=f"role-{index}", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam_seed.create_policy(PolicyName=f"policy-{index}", PolicyDocument=json.dumps(DESCRIBE))
    ctx = open_context()

    def small_pages(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in ("ListRoles", "ListPolicies"):
            params["MaxItems"] = 2

    register_on_session(ctx, "before-parameter-build.iam.*", small_pages)
    log = CallLog(ctx)
    result = run(ctx)

    assert sorted(records(result, IamRole)) == [f"role-{i}" for i in range(5)]
    assert sorted(records(result, IamManagedPolicy)) == [f"policy-{i}" for i in range(5)]
    assert log.operations()["ListRoles"] == 3
    assert log.operations()["ListPolicies"] == 3 + 1  # five customer-managed on three pages; none AWS-managed


# failures ------------------------------------------------------------------------------


@pytest.mark.usefixtures("seeded")
def test_a_failed_listing_is_a_scope_level_error_and_the_rest_is_still_read(
    open_context: Callable[..., AwsContext],
) -> None:
    ctx = open_context()
    answer_with_error(ctx, "iam", "ListUsers", "AccessDenied")
    log = CallLog(ctx)
    result = run(ctx)

    assert CollectionError(
        provider="aws",
        account=ACCOUNT,
        region="global",
        service="iam",
        operation="ListUsers",
        code="AccessDenied",
        message="injected AccessDenied",
        resource_type="aws.iam.user",
        resource_id=None,
    ) in result.errors
    assert records(result, IamUser) == {}
    assert not {op for op in log.operations() if op in USER_READS}
    assert sorted(records(result, IamGroup)) == ["admins", "empty"]
    assert sorted(records(result, IamRole)) == ["deploy", "support"]


@pytest.mark.usefixtures("seeded")
def test_a_failed_policy_listing_keeps_the_other_scope(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()

    def deny_aws_scope(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if params.get("body", {}).get("Scope") != "AWS":
            return None
        parsed = {"Error": {"Code": "AccessDenied", "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": 403}}
        return AWSResponse("http://injected", 403, HTTPHeaders(), None), parsed

    register_on_session(ctx, "before-call.iam.ListPolicies", deny_aws_scope)
    result = run(ctx)

    scope_errors = [e for e in result.errors if e.resource_id is None]
    assert [(e.operation, e.resource_type) for e in scope_errors] == [("ListPolicies", "aws.iam.policy")]
    assert sorted(records(result, IamManagedPolicy)) == ["readonly-custom", "unused-admin", "versioned"]


@pytest.mark.usefixtures("seeded")
def test_a_failed_principal_read_leaves_that_field_unread_with_a_typed_error(
    open_context: Callable[..., AwsContext],
) -> None:
    ctx = open_context()
    answer_with_error(ctx, "iam", "ListMFADevices", "AccessDenied", only="alice")
    answer_with_error(ctx, "iam", "GetRolePolicy", "AccessDenied", only="deploy")
    answer_with_error(ctx, "iam", "GetAccountPasswordPolicy", "AccessDenied")
    result = run(ctx)

    failed = sorted((e.operation, e.code, e.resource_type, e.resource_id) for e in result.errors)
    assert failed == [
        ("GetAccountPasswordPolicy", "AccessDenied", "aws.iam.account", f"{IAM}:account"),
        ("GetCredentialReport", "NoRootRow", "aws.iam.root_user", f"{IAM}:root"),
        ("GetRolePolicy", "AccessDenied", "aws.iam.role", f"{IAM}:role/deploy"),
        ("ListMFADevices", "AccessDenied", "aws.iam.user", f"{IAM}:user/alice"),
    ]
    alice = records(result, IamUser)["alice"]
    assert alice.mfa_devices is None
    assert alice.console is not None and alice.console.password_enabled  # the other fields are still read
    assert alice.groups == ("admins",)
    deploy = records(result, IamRole)["deploy"]
    assert deploy.inline_policies is None and deploy.attached_policies == ()
    assert only(result, IamAccountSettings).password_policy is None
    assert records(result, IamUser)["bob"].mfa_devices == ()


@pytest.mark.usefixtures("seeded")
def test_a_failed_key_usage_read_leaves_only_that_key_undated(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    answer_with_error(ctx, "iam", "GetAccessKeyLastUsed", "AccessDenied")
    result = run(ctx)

    alice = records(result, IamUser)["alice"]
    assert alice.access_keys is not None
    assert [(k.status, k.usage) for k in alice.access_keys] == [("Active", None)]
    assert sum(e.operation == "GetAccessKeyLastUsed" for e in result.errors) == 3


@pytest.mark.usefixtures("seeded")
def test_a_principal_deleted_after_the_listing_is_dropped_without_error(
    open_context: Callable[..., AwsContext], iam_seed: Any
) -> None:
    ctx = open_context()

    def delete_after_listing(**_: Any) -> None:
        iam_seed.delete_group_policy(GroupName="admins", PolicyName="everything")
        iam_seed.detach_group_policy(GroupName="admins", PolicyArn=f"{IAM}:policy/readonly-custom")
        iam_seed.remove_user_from_group(GroupName="admins", UserName="alice")
        iam_seed.delete_group(GroupName="admins")

    register_on_session(ctx, "after-call.iam.ListGroups", delete_after_listing)
    result = run(ctx)

    assert [e.code for e in result.errors] == ["NoRootRow"]
    assert sorted(records(result, IamGroup)) == ["empty"]


def test_a_malformed_summary_is_an_error_not_a_verdict(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()

    def drop_flags(parsed: dict[str, Any], **_: Any) -> None:
        parsed["SummaryMap"].pop("AccountMFAEnabled", None)

    register_on_session(ctx, "after-call.iam.GetAccountSummary", drop_flags)
    result = run(ctx)

    assert only(result, IamRootUser).summary is None
    assert ("GetAccountSummary", "MalformedAnswer") in {(e.operation, e.code) for e in result.errors}


# the credential report --------------------------------------------------------------------


def test_the_report_is_polled_while_iam_builds_it(
    open_context: Callable[..., AwsContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iam_credential_report, "POLL_SECONDS", 0.01)
    ctx = open_context()
    in_progress = answer_with_error(ctx, "iam", "GetCredentialReport", "ReportInProgress", status=404, times=2)
    log = CallLog(ctx)
    result = run(ctx)

    assert len(in_progress) == 2
    assert log.operations()["GetCredentialReport"] == 3
    assert log.operations()["GenerateCredentialReport"] == 1
    # the third answer was the report itself (moto's, without a root row)
    assert [(e.operation, e.code) for e in result.errors] == [("GetCredentialReport", "NoRootRow")]


def test_waiting_for_the_report_is_bounded(
    open_context: Callable[..., AwsContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(iam_credential_report, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(iam_credential_report, "WAIT_SECONDS", 0.2)
    ctx = open_context()
    answered = answer_with_error(ctx, "iam", "GetCredentialReport", "ReportInProgress", status=404)
    result = run(ctx)

    assert 2 <= len(answered) <= 40
    root = only(result, IamRootUser)
    assert root.activity is None
    (error,) = [e for e in result.errors if e.resource_type == "aws.iam.root_user"]
    assert (error.operation, error.code) == ("GetCredentialReport", "ReportInProgress")
    assert error.resource_id == f"{IAM}:root"


def test_a_refused_generation_with_no_report_names_the_generation(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    answer_with_error(ctx, "iam", "GenerateCredentialReport", "AccessDenied")
    result = run(ctx)

    (error,) = result.errors
    assert (error.operation, error.code) == ("GenerateCredentialReport", "AccessDenied")
    assert error.resource_id == f"{IAM}:root"


def test_a_refused_generation_still_reads_an_existing_report(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    seed_client("iam").generate_credential_report()  # built earlier, by someone allowed to
    ctx = open_context()
    answer_with_error(ctx, "iam", "GenerateCredentialReport", "AccessDenied")
    result = run(ctx)

    # read, and found without a root row (moto's): the report itself was available
    assert [(e.operation, e.code) for e in result.errors] == [("GetCredentialReport", "NoRootRow")]


def test_the_root_row_becomes_root_activity() -> None:
    header = (
        "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
        "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
        "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
        "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
        "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
        "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
    )
    root = (
        "<root_account>,arn:aws:iam::123456789012:root,2019-01-01T00:00:00+00:00,not_supported,"
        "2026-05-01T10:00:00+00:00,not_supported,not_supported,true,true,2020-02-02T00:00:00+00:00,"
        "2026-06-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
    )
    never = root.replace("2026-05-01T10:00:00+00:00", "no_information").replace(",true,true,", ",false,true,")
    report = iam_credential_report.CredentialReport("2026-06-30T00:00:00+00:00", tuple(_rows(header, root)))
    activity = iam_credential_report.root_activity(report)
    assert activity.report_generated_at == "2026-06-30T00:00:00+00:00"
    assert activity.password_last_used == "2026-05-01T10:00:00+00:00"
    assert activity.mfa_active is True
    assert [(k.slot, k.active, k.last_rotated, k.last_used) for k in activity.access_keys] == [
        (1, True, "2020-02-02T00:00:00+00:00", "2026-06-01T00:00:00+00:00"),
        (2, False, None, None),
    ]
    quiet = iam_credential_report.root_activity(
        iam_credential_report.CredentialReport(None, tuple(_rows(header, never)))
    )
    assert (quiet.password_last_used, quiet.mfa_active) == (None, False)
    with pytest.raises(iam_credential_report.NoRootRow):
        iam_credential_report.root_activity(iam_credential_report.CredentialReport(None, ()))


def _rows(header: str, *lines: str) -> list[dict[str, str]]:
    names = header.split(",")
    return [dict(zip(names, line.split(","), strict=True)) for line in lines]


# the read-only guard --------------------------------------------------------------------


def test_the_guard_allows_report_generation_and_refuses_writes(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    ctx = open_context()
    client = ctx.client("iam", US)
    assert client.generate_credential_report()["State"] in ("STARTED", "INPROGRESS", "COMPLETE")
    with pytest.raises(WriteOperationRefused, match="CreateUser"):
        client.create_user(UserName="mallory")
    with pytest.raises(WriteOperationRefused, match="DeleteAccountPasswordPolicy"):
        client.delete_account_password_policy()
    # only the named operation is allowed, not every "Generate..."
    with pytest.raises(WriteOperationRefused, match="GenerateOrganizationsAccessReport"):
        client.generate_organizations_access_report(EntityPath="o-abcdef1234/r-ab12")
    assert seed_client("iam").list_users()["Users"] == []


# Access Analyzer ---------------------------------------------------------------------------


def test_analyzers_are_read_once_per_region(split_context: Callable[..., AwsContext], analyzer_emulator: Any) -> None:
    analyzer_emulator.add(US, "account-analyzer")
    analyzer_emulator.add(US, "unused", kind="ACCOUNT_UNUSED_ACCESS")
    analyzer_emulator.add(EU, "org-analyzer", kind="ORGANIZATION", status="DISABLED")
    analyzer_emulator.page_size = 1  # us-east-1's two analyzers come on two pages
    result = run(split_context(), accessanalyzer.COLLECTOR)

    assert result.errors == []
    found = records(result, AccessAnalyzerRegion)
    assert sorted(found) == [EU, US]
    assert found[US] == AccessAnalyzerRegion(
        account=ACCOUNT,
        region=US,
        resource_id=f"arn:aws:access-analyzer:{US}:{ACCOUNT}:analyzers",
        name=US,
        analyzers=(
            Analyzer(
                name="account-analyzer",
                arn=f"arn:aws:access-analyzer:{US}:{ACCOUNT}:analyzer/account-analyzer",
                type="ACCOUNT",
                status="ACTIVE",
            ),
            Analyzer(
                name="unused",
                arn=f"arn:aws:access-analyzer:{US}:{ACCOUNT}:analyzer/unused",
                type="ACCOUNT_UNUSED_ACCESS",
                status="ACTIVE",
            ),
        ),
    )
    assert [(a.type, a.status) for a in found[EU].analyzers or ()] == [("ORGANIZATION", "DISABLED")]
    assert analyzer_emulator.requests == Counter({US: 2, EU: 1})


def test_a_region_whose_analyzers_cannot_be_listed_is_an_error_on_its_record(
    split_context: Callable[..., AwsContext], analyzer_emulator: Any
) -> None:
    analyzer_emulator.add(US, "account-analyzer")
    analyzer_emulator.failures[EU] = (403, "AccessDeniedException")
    result = run(split_context(), accessanalyzer.COLLECTOR)

    found = records(result, AccessAnalyzerRegion)
    assert found[EU].analyzers is None
    assert found[US].analyzers is not None and len(found[US].analyzers) == 1
    assert result.errors == [
        CollectionError(
            provider="aws",
            account=ACCOUNT,
            region=EU,
            service="accessanalyzer",
            operation="ListAnalyzers",
            code="AccessDeniedException",
            message="injected AccessDeniedException",
            resource_type="aws.accessanalyzer.region",
            resource_id=f"arn:aws:access-analyzer:{EU}:{ACCOUNT}:analyzers",
        )
    ]


def test_the_collectors_declare_what_they_produce_and_need() -> None:
    assert COLLECTOR.name == "aws.iam"
    assert set(COLLECTOR.produces) == {
        "aws.iam.account",
        "aws.iam.root_user",
        "aws.iam.user",
        "aws.iam.group",
        "aws.iam.role",
        "aws.iam.policy",
        "aws.iam.server_certificate",
    }
    assert {"iam:GenerateCredentialReport", "iam:GetCredentialReport", "iam:ListUsers", "iam:GetPolicyVersion"} <= set(
        COLLECTOR.permissions
    )
    assert accessanalyzer.COLLECTOR.produces == ("aws.accessanalyzer.region",)
    assert "access-analyzer:ListAnalyzers" in accessanalyzer.COLLECTOR.permissions


# server certificates ---------------------------------------------------------------------


def self_signed(not_before: datetime.datetime, not_after: datetime.datetime) -> tuple[str, str]:
    """A throwaway self-signed certificate and its key, PEM-encoded."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test.invalid")])
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem.decode()


def test_server_certificates_are_listed_with_their_expiry(
    open_context: Callable[..., AwsContext], seed_client: Callable[..., Any]
) -> None:
    iam = seed_client("iam")
    past = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    future = datetime.datetime.now(datetime.UTC).replace(microsecond=0) + datetime.timedelta(days=365)
    for name, not_after in (("old-site", past), ("site", future)):
        body, key = self_signed(past - datetime.timedelta(days=365), not_after)
        iam.upload_server_certificate(ServerCertificateName=name, CertificateBody=body, PrivateKey=key,
                                      Path="/cloudfront/")
    ctx = open_context()
    log = CallLog(ctx)
    result = run(ctx)

    certificates = records(result, IamServerCertificate)
    assert sorted(certificates) == ["old-site", "site"]
    old = certificates["old-site"]
    assert (old.resource_id, old.region, old.path) == (f"{IAM}:server-certificate/cloudfront/old-site", "global",
                                                       "/cloudfront/")
    # moto (5.2) answers one fixed Expiration for every certificate rather than the
    # certificate's notAfter; what is asserted is that the record keeps the API's value
    # (expired and valid verdicts are covered by fixtures/checks/aws_iam_server_certificates.json)
    listed = {c["ServerCertificateName"]: c for c in iam.list_server_certificates()["ServerCertificateMetadataList"]}
    for name, record in certificates.items():
        assert record.expiration is not None
        assert datetime.datetime.fromisoformat(record.expiration) == listed[name]["Expiration"]
        assert datetime.datetime.fromisoformat(str(record.upload_date)) == listed[name]["UploadDate"]
        assert record.certificate_id == listed[name]["ServerCertificateId"]
    assert log.operations()["ListServerCertificates"] == 1
    assert [e for e in result.errors if e.resource_type == IamServerCertificate.TYPE] == []


def test_a_failed_certificate_listing_is_a_scope_level_error(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context()
    answer_with_error(ctx, "iam", "ListServerCertificates", "AccessDenied")
    result = run(ctx)

    # (moto's credential report has no root row: that error is not this test's subject)
    assert [(e.operation, e.code, e.resource_type, e.resource_id) for e in result.errors
            if e.service == "iam" and e.resource_type != "aws.iam.root_user"] == [
        ("ListServerCertificates", "AccessDenied", "aws.iam.server_certificate", None)
    ]
    assert records(result, IamServerCertificate) == {}
    assert records(result, IamAccountSettings)  # the rest of IAM is still read
