"""The reads for one IAM user, group or role, each made exactly once.

Users: GetLoginProfile, ListMFADevices, ListAccessKeys (+ GetAccessKeyLastUsed per key),
ListGroupsForUser. Every principal: its attached managed policies and its inline
policies (the names, then each document). Every listing is read to its last page.

A read that fails leaves that field None and records a CollectionError naming the
principal's ARN. "Not configured" answers are values: no login profile is a console
without password. A principal deleted between the account listing and its reads
(NoSuchEntity) is dropped without error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import unquote

import botocore.exceptions

from scanner.collect.aws.context import AwsContext, error_code
from scanner.resources.aws_iam import (
    GLOBAL_REGION,
    AccessKey,
    AttachedPolicy,
    ConsoleAccess,
    IamGroup,
    IamRole,
    IamUser,
    InlinePolicy,
    KeyUsage,
    MfaDevice,
)
from scanner.snapshot import CollectionError

if TYPE_CHECKING:
    from mypy_boto3_iam import IAMClient

SERVICE = "iam"
SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)
NO_SUCH_ENTITY = "NoSuchEntity"
KEY_ID_SHOWN = 4  # trailing characters of an access key id kept to tell keys apart

T = TypeVar("T")


@dataclass(frozen=True)
class Kind:
    """What differs between users, groups and roles: parameter and method names."""

    name_param: str
    resource_type: str
    attached: str  # the ListAttached*Policies method
    inline_names: str  # the List*Policies method
    inline_get: str  # the Get*Policy method


USER = Kind("UserName", IamUser.TYPE, "list_attached_user_policies", "list_user_policies", "get_user_policy")
GROUP = Kind("GroupName", IamGroup.TYPE, "list_attached_group_policies", "list_group_policies", "get_group_policy")
ROLE = Kind("RoleName", IamRole.TYPE, "list_attached_role_policies", "list_role_policies", "get_role_policy")


class MalformedPolicy(ValueError):
    """A policy document that is not a JSON object."""


class _Vanished(Exception):
    """The principal was deleted after the listing."""


class _Failed(Exception):
    """A read failed; its CollectionError is already recorded."""


def decode_document(value: Any) -> dict[str, Any]:
    """A policy document as a dict. botocore decodes IAM's URL-encoded JSON already;
    a string that slipped through is decoded here. MalformedPolicy otherwise."""
    document = value
    if isinstance(value, str):
        try:
            document = json.loads(unquote(value))
        except ValueError:
            document = None
    if not isinstance(document, dict):
        raise MalformedPolicy("the policy document is not a JSON object")
    return document


def iso(value: Any) -> str | None:
    """A timestamp from an answer (datetime or string) as ISO-8601; None when absent."""
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


class PrincipalReader:
    """Reads one principal; ``errors`` holds what failed, recorded by the caller only
    when the principal still exists."""

    def __init__(self, ctx: AwsContext, client: IAMClient, kind: Kind, name: str, arn: str) -> None:
        self.ctx = ctx
        self.client = client
        self.kind = kind
        self.name = name
        self.arn = arn
        self.errors: list[CollectionError] = []

    # records ---------------------------------------------------------------------

    def read_user(self, listed: dict[str, Any]) -> IamUser | None:
        try:
            return IamUser(
                account=self.ctx.account,
                region=GLOBAL_REGION,
                resource_id=self.arn,
                name=self.name,
                user_id=str(listed.get("UserId", "")),
                path=str(listed.get("Path", "/")),
                created=iso(listed.get("CreateDate")),
                console=self._field(lambda: self._console(listed)),
                mfa_devices=self._field(self._mfa_devices),
                access_keys=self._field(self._access_keys),
                groups=self._field(self._groups),
                attached_policies=self._field(self._attached),
                inline_policies=self._field(self._inline),
            )
        except _Vanished:
            return None

    def read_group(self, listed: dict[str, Any]) -> IamGroup | None:
        try:
            return IamGroup(
                account=self.ctx.account,
                region=GLOBAL_REGION,
                resource_id=self.arn,
                name=self.name,
                path=str(listed.get("Path", "/")),
                attached_policies=self._field(self._attached),
                inline_policies=self._field(self._inline),
            )
        except _Vanished:
            return None

    def read_role(self, listed: dict[str, Any]) -> IamRole | None:
        trust: dict[str, Any] | None = None
        try:
            trust = decode_document(listed.get("AssumeRolePolicyDocument"))
        except MalformedPolicy as exc:
            self._record(exc, "ListRoles")
        try:
            return IamRole(
                account=self.ctx.account,
                region=GLOBAL_REGION,
                resource_id=self.arn,
                name=self.name,
                path=str(listed.get("Path", "/")),
                trust_policy=trust,
                attached_policies=self._field(self._attached),
                inline_policies=self._field(self._inline),
            )
        except _Vanished:
            return None

    # one field each --------------------------------------------------------------

    def _console(self, listed: dict[str, Any]) -> ConsoleAccess:
        try:
            answer = self.client.get_login_profile(UserName=self.name)
        except SDK_ERRORS as exc:
            # NoSuchEntity is IAM's answer for "this user has no password"
            if error_code(exc) == NO_SUCH_ENTITY:
                return ConsoleAccess(password_enabled=False)
            self._record(exc, "GetLoginProfile")
            raise _Failed from None
        return ConsoleAccess(
            password_enabled=True,
            created=iso(answer.get("LoginProfile", {}).get("CreateDate")),
            last_used=iso(listed.get("PasswordLastUsed")),
        )

    def _mfa_devices(self) -> tuple[MfaDevice, ...]:
        devices = self._pages("list_mfa_devices", "MFADevices", UserName=self.name)
        return tuple(
            MfaDevice(serial=str(d.get("SerialNumber", "")), enabled=iso(d.get("EnableDate"))) for d in devices
        )

    def _access_keys(self) -> tuple[AccessKey, ...]:
        keys = []
        for meta in self._pages("list_access_keys", "AccessKeyMetadata", UserName=self.name):
            key_id = str(meta.get("AccessKeyId", ""))
            try:
                usage: KeyUsage | None = self._key_usage(key_id)
            except _Vanished:  # this key was deleted after the listing
                continue
            keys.append(
                AccessKey(
                    id_suffix=key_id[-KEY_ID_SHOWN:],
                    status=str(meta.get("Status", "")),
                    created=iso(meta.get("CreateDate")),
                    usage=usage,
                )
            )
        return tuple(keys)

    def _key_usage(self, key_id: str) -> KeyUsage | None:
        try:
            answer: Any = self.client.get_access_key_last_used(AccessKeyId=key_id)
        except SDK_ERRORS as exc:
            if error_code(exc) == NO_SUCH_ENTITY:
                raise _Vanished from None
            self._record(exc, "GetAccessKeyLastUsed")
            return None
        used = answer.get("AccessKeyLastUsed", {})
        return KeyUsage(
            last_used=iso(used.get("LastUsedDate")),
            service=_known(used.get("ServiceName")),
            region=_known(used.get("Region")),
        )

    def _groups(self) -> tuple[str, ...]:
        return tuple(str(g["GroupName"]) for g in self._pages("list_groups_for_user", "Groups", UserName=self.name))

    def _attached(self) -> tuple[AttachedPolicy, ...]:
        found = self._pages(self.kind.attached, "AttachedPolicies", **{self.kind.name_param: self.name})
        return tuple(AttachedPolicy(arn=str(p["PolicyArn"]), name=str(p.get("PolicyName", ""))) for p in found)

    def _inline(self) -> tuple[InlinePolicy, ...]:
        names = self._pages(self.kind.inline_names, "PolicyNames", **{self.kind.name_param: self.name})
        get = getattr(self.client, self.kind.inline_get)
        operation = self._operation(self.kind.inline_get)
        policies = []
        for policy_name in names:
            try:
                answer = get(**{self.kind.name_param: self.name, "PolicyName": policy_name})
                document = decode_document(answer.get("PolicyDocument"))
            except SDK_ERRORS as exc:
                if error_code(exc) == NO_SUCH_ENTITY:  # deleted after the listing
                    continue
                self._record(exc, operation)
                raise _Failed from None
            except MalformedPolicy as exc:
                self._record(exc, operation)
                raise _Failed from None
            policies.append(InlinePolicy(name=str(policy_name), document=document))
        return tuple(policies)

    # plumbing --------------------------------------------------------------------

    def _pages(self, method: str, key: str, **params: Any) -> list[Any]:
        """Every page of a per-principal listing. NoSuchEntity: the principal is gone."""
        items: list[Any] = []
        try:
            for page in self.client.get_paginator(method).paginate(**params):  # type: ignore[call-overload]
                items.extend(page.get(key, []))
        except SDK_ERRORS as exc:
            if error_code(exc) == NO_SUCH_ENTITY:
                raise _Vanished from None
            self._record(exc, self._operation(method))
            raise _Failed from None
        return items

    def _field(self, read: Callable[[], T]) -> T | None:
        try:
            return read()
        except _Failed:
            return None

    def _operation(self, method: str) -> str:
        return str(self.client.meta.method_to_api_mapping.get(method, method))

    def _record(self, exc: Exception, operation: str) -> None:
        self.errors.append(
            self.ctx.error(
                exc,
                region=GLOBAL_REGION,
                service=SERVICE,
                operation=operation,
                resource_type=self.kind.resource_type,
                resource_id=self.arn,
            )
        )


def _known(value: Any) -> str | None:
    """GetAccessKeyLastUsed answers "N/A" for a key never used."""
    return None if value in (None, "", "N/A") else str(value)
