"""AWS IAM, read once per account (IAM is global) through a client in the home region.

Account level: the password policy (GetAccountPasswordPolicy; none set is a concrete
"not configured" value), the account summary's root MFA and root key flags, and the
root row of the credential report (see ``iam_credential_report``).

Listings (every page): ListUsers, ListGroups, ListRoles, ListPolicies twice
(Scope=Local: every customer-managed policy; Scope=AWS with OnlyAttached: the
AWS-managed policies in use) and ListServerCertificates (one record per certificate,
from the listing alone). A listing that fails is a scope-level collection error,
never an empty list.

Then, in ``ctx.pool``, each principal's reads, once each (``iam_principals``), and
each managed policy's default version (GetPolicyVersion).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import botocore.exceptions

from scanner.collect.aws import iam_credential_report as credential_report
from scanner.collect.aws.context import AwsContext, error_code
from scanner.collect.aws.iam_principals import GROUP, ROLE, USER, PrincipalReader, decode_document, iso
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.aws_iam import (
    GLOBAL_REGION,
    IamAccountSettings,
    IamGroup,
    IamManagedPolicy,
    IamRole,
    IamRootUser,
    IamServerCertificate,
    IamUser,
    PasswordPolicy,
    RootActivity,
    RootSummary,
)
from scanner.resources.base import Resource

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

SERVICE = "iam"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
NO_SUCH_ENTITY = "NoSuchEntity"
# What IAM enforces when the account has no custom password policy.
DEFAULT_MINIMUM_LENGTH = 8
# What a custom policy holds for a minimum length it does not state (the API default).
API_DEFAULT_MINIMUM_LENGTH = 6


_Read = Callable[[AwsContext, "IAMClient", CollectResult, dict[str, Any]], None]


class MalformedAnswer(Exception):
    """An answer without a field the API documents as always present."""


def collect(ctx: AwsContext, result: CollectResult) -> None:
    client = cast("IAMClient", ctx.client(SERVICE, ctx.home_region))
    result.add(_account_settings(ctx, client, result))
    result.add(_root_user(ctx, client, result))
    # every listing first, then every per-item read in one pool run
    tasks: list[tuple[_Read, dict[str, Any]]] = []
    tasks.extend((_user, u) for u in _listing(ctx, client, result, "list_users", "Users", IamUser.TYPE))
    tasks.extend((_group, g) for g in _listing(ctx, client, result, "list_groups", "Groups", IamGroup.TYPE))
    tasks.extend((_role, r) for r in _listing(ctx, client, result, "list_roles", "Roles", IamRole.TYPE))
    for scope in ({"Scope": "Local"}, {"Scope": "AWS", "OnlyAttached": True}):
        listed = _listing(ctx, client, result, "list_policies", "Policies", IamManagedPolicy.TYPE, **scope)
        tasks.extend((_managed_policy, p) for p in listed)
    certificates = _listing(
        ctx, client, result, "list_server_certificates", "ServerCertificateMetadataList", IamServerCertificate.TYPE
    )
    for certificate in certificates:
        result.add(_server_certificate(ctx, result, certificate))
    ctx.pool.run(lambda task: task[0](ctx, client, result, task[1]), tasks, service=SERVICE)


def arn_prefix(ctx: AwsContext) -> str:
    return f"arn:{ctx.partition}:iam::{ctx.account}"


# account level -----------------------------------------------------------------------


def _account_settings(ctx: AwsContext, client: IAMClient, result: CollectResult) -> IamAccountSettings:
    arn = f"{arn_prefix(ctx)}:account"
    policy: PasswordPolicy | None
    try:
        answer = client.get_account_password_policy()
    except SDK_ERRORS as exc:
        if error_code(exc) == NO_SUCH_ENTITY:
            policy = PasswordPolicy(configured=False, minimum_length=DEFAULT_MINIMUM_LENGTH)
        else:
            policy = None
            _fail(ctx, result, exc, "GetAccountPasswordPolicy", IamAccountSettings.TYPE, arn)
    else:
        raw: Any = answer.get("PasswordPolicy", {})
        policy = PasswordPolicy(
            configured=True,
            minimum_length=int(raw.get("MinimumPasswordLength", API_DEFAULT_MINIMUM_LENGTH)),
            reuse_prevention=int(raw.get("PasswordReusePrevention", 0)),
            max_age_days=int(raw.get("MaxPasswordAge", 0)),
            require_symbols=bool(raw.get("RequireSymbols", False)),
            require_numbers=bool(raw.get("RequireNumbers", False)),
            require_uppercase=bool(raw.get("RequireUppercaseCharacters", False)),
            require_lowercase=bool(raw.get("RequireLowercaseCharacters", False)),
            allow_users_to_change=bool(raw.get("AllowUsersToChangePassword", False)),
            hard_expiry=bool(raw.get("HardExpiry", False)),
        )
    return IamAccountSettings(
        account=ctx.account, region=GLOBAL_REGION, resource_id=arn, name=ctx.account, password_policy=policy
    )


def _root_user(ctx: AwsContext, client: IAMClient, result: CollectResult) -> IamRootUser:
    arn = f"{arn_prefix(ctx)}:root"
    return IamRootUser(
        account=ctx.account,
        region=GLOBAL_REGION,
        resource_id=arn,
        name="root",
        summary=_root_summary(ctx, client, result, arn),
        activity=_root_activity(ctx, client, result, arn),
    )


def _root_summary(ctx: AwsContext, client: IAMClient, result: CollectResult, arn: str) -> RootSummary | None:
    try:
        summary: Any = client.get_account_summary().get("SummaryMap", {})
        if "AccountMFAEnabled" not in summary or "AccountAccessKeysPresent" not in summary:
            raise MalformedAnswer("SummaryMap lacks AccountMFAEnabled or AccountAccessKeysPresent")
    except (*SDK_ERRORS, MalformedAnswer) as exc:
        _fail(ctx, result, exc, "GetAccountSummary", IamRootUser.TYPE, arn)
        return None
    return RootSummary(
        mfa_enabled=int(summary["AccountMFAEnabled"]) > 0,
        access_keys_present=int(summary["AccountAccessKeysPresent"]) > 0,
    )


def _root_activity(ctx: AwsContext, client: IAMClient, result: CollectResult, arn: str) -> RootActivity | None:
    try:
        return credential_report.root_activity(credential_report.fetch(client))
    except credential_report.ReportUnavailable as exc:
        _fail(ctx, result, exc.cause, exc.operation, IamRootUser.TYPE, arn)
    except credential_report.NoRootRow as exc:
        _fail(ctx, result, exc, "GetCredentialReport", IamRootUser.TYPE, arn)
    return None


# listings ----------------------------------------------------------------------------


def _listing(
    ctx: AwsContext, client: IAMClient, result: CollectResult, method: str, key: str, resource_type: str, **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated listing; [] with a scope-level error when it failed
    (the error, not the empty list, is what the checks see)."""
    items: list[dict[str, Any]] = []
    try:
        for page in client.get_paginator(method).paginate(**params):  # type: ignore[call-overload]
            items.extend(page.get(key, []))
    except SDK_ERRORS as exc:
        operation = client.meta.method_to_api_mapping.get(method, method)
        _fail(ctx, result, exc, operation, resource_type, None)
        return []
    return items


# per principal -----------------------------------------------------------------------


def _user(ctx: AwsContext, client: IAMClient, result: CollectResult, listed: dict[str, Any]) -> None:
    reader = PrincipalReader(ctx, client, USER, listed["UserName"], listed["Arn"])
    record = reader.read_user(listed)
    _finish(result, reader, record)


def _group(ctx: AwsContext, client: IAMClient, result: CollectResult, listed: dict[str, Any]) -> None:
    reader = PrincipalReader(ctx, client, GROUP, listed["GroupName"], listed["Arn"])
    record = reader.read_group(listed)
    _finish(result, reader, record)


def _role(ctx: AwsContext, client: IAMClient, result: CollectResult, listed: dict[str, Any]) -> None:
    reader = PrincipalReader(ctx, client, ROLE, listed["RoleName"], listed["Arn"])
    record = reader.read_role(listed)
    _finish(result, reader, record)


def _finish(result: CollectResult, reader: PrincipalReader, record: IamUser | IamGroup | IamRole | None) -> None:
    if record is None:  # deleted between the listing and its reads: not an error
        return
    for error in reader.errors:
        result.fail(error)
    result.add(record)


def _managed_policy(ctx: AwsContext, client: IAMClient, result: CollectResult, listed: dict[str, Any]) -> None:
    arn = str(listed["Arn"])
    version = str(listed.get("DefaultVersionId", ""))
    document: dict[str, Any] | None = None
    try:
        answer: Any = client.get_policy_version(PolicyArn=arn, VersionId=version)
        document = decode_document(answer.get("PolicyVersion", {}).get("Document"))
    except SDK_ERRORS as exc:
        if error_code(exc) == NO_SUCH_ENTITY:  # deleted since the listing
            return
        _fail(ctx, result, exc, "GetPolicyVersion", IamManagedPolicy.TYPE, arn)
    except ValueError as exc:
        _fail(ctx, result, exc, "GetPolicyVersion", IamManagedPolicy.TYPE, arn)
    result.add(
        IamManagedPolicy(
            account=ctx.account,
            region=GLOBAL_REGION,
            resource_id=arn,
            name=str(listed.get("PolicyName", "")),
            aws_managed=arn.startswith(f"arn:{ctx.partition}:iam::aws:"),
            attachment_count=int(listed.get("AttachmentCount", 0)),
            default_version=version,
            document=document,
        )
    )


def _server_certificate(ctx: AwsContext, result: CollectResult, listed: dict[str, Any]) -> IamServerCertificate:
    arn = str(listed["Arn"])
    expiration = iso(listed.get("Expiration"))
    if expiration is None:
        _fail(ctx, result, MalformedAnswer("a server certificate without Expiration"), "ListServerCertificates",
              IamServerCertificate.TYPE, arn)
    return IamServerCertificate(
        account=ctx.account,
        region=GLOBAL_REGION,
        resource_id=arn,
        name=str(listed.get("ServerCertificateName", "")),
        certificate_id=str(listed.get("ServerCertificateId", "")),
        path=str(listed.get("Path", "/")),
        upload_date=iso(listed.get("UploadDate")),
        expiration=expiration,
    )


def _fail(
    ctx: AwsContext,
    result: CollectResult,
    exc: Exception,
    operation: str,
    resource_type: str,
    resource_id: str | None,
) -> None:
    result.fail(
        ctx.error(
            exc,
            region=GLOBAL_REGION,
            service=SERVICE,
            operation=operation,
            resource_type=resource_type,
            resource_id=resource_id,
        )
    )


RECORD_TYPES: tuple[type[Resource], ...] = (
    IamAccountSettings,
    IamRootUser,
    IamUser,
    IamGroup,
    IamRole,
    IamManagedPolicy,
    IamServerCertificate,
)


COLLECTOR = CollectorSpec(
    name="aws.iam",
    provider="aws",
    produces=tuple(t.TYPE for t in RECORD_TYPES),
    permissions=(
        "iam:GetAccountPasswordPolicy",
        "iam:GetAccountSummary",
        "iam:GenerateCredentialReport",
        "iam:GetCredentialReport",
        "iam:ListUsers",
        "iam:GetLoginProfile",
        "iam:ListMFADevices",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:ListGroupsForUser",
        "iam:ListAttachedUserPolicies",
        "iam:ListUserPolicies",
        "iam:GetUserPolicy",
        "iam:ListGroups",
        "iam:ListAttachedGroupPolicies",
        "iam:ListGroupPolicies",
        "iam:GetGroupPolicy",
        "iam:ListRoles",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:GetRolePolicy",
        "iam:ListPolicies",
        "iam:GetPolicyVersion",
        "iam:ListServerCertificates",
        "sts:GetCallerIdentity",
    ),
    collect=collect,
    record_types=RECORD_TYPES,
    calls=(
        Call("iam", "GetAccountPasswordPolicy"),
        Call("iam", "GetAccountSummary"),
        Call("iam", "GenerateCredentialReport"),
        Call("iam", "GetCredentialReport", conditional=True),  # asked again while IAM builds the report
        # ListPolicies twice: customer-managed, then the AWS-managed ones attached
        *(Call("iam", op, pages=True) for op in (
            "ListUsers", "ListGroups", "ListRoles", "ListPolicies", "ListServerCertificates",
        )),
        Call("iam", "GetPolicyVersion", IamManagedPolicy.TYPE),
        Call("iam", "GetLoginProfile", IamUser.TYPE),
        *(Call("iam", op, IamUser.TYPE, pages=True) for op in (
            "ListMFADevices", "ListAccessKeys", "ListGroupsForUser", "ListAttachedUserPolicies", "ListUserPolicies",
        )),
        Call("iam", "GetAccessKeyLastUsed", IamUser.TYPE, conditional=True),  # once per access key
        *(Call("iam", op, IamGroup.TYPE, pages=True) for op in ("ListAttachedGroupPolicies", "ListGroupPolicies")),
        *(Call("iam", op, IamRole.TYPE, pages=True) for op in ("ListAttachedRolePolicies", "ListRolePolicies")),
        # once per inline policy
        Call("iam", "GetUserPolicy", IamUser.TYPE, conditional=True),
        Call("iam", "GetGroupPolicy", IamGroup.TYPE, conditional=True),
        Call("iam", "GetRolePolicy", IamRole.TYPE, conditional=True),
    ),
)
