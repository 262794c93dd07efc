"""Several AWS accounts in one scan: assumed roles and the organisation's member list.

From the base credentials (the default chain or --profile) skyscan can assume one role
(--role-arn) and scan that account, or list the organisation's accounts (--org) and
assume a role of the same name in each (--org-role; --accounts narrows). Each account
becomes one (AwsContext, Scope) unit for the runner. An account whose role cannot be
assumed becomes an ``UnreachableScope`` unit: recorded as unread, and the scan goes on.

Temporary credentials live only in memory. They are refreshed before they expire,
through the same guarded STS client that obtained them, so a long scan keeps going.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.credentials
import botocore.exceptions
import botocore.loaders
import botocore.session

from scanner.collect.aws.context import AwsContext, AwsSetupError, describe_error
from scanner.collect.base import UnreachableScope
from scanner.snapshot import Scope

# A read-only audit role deployed in every member account (for example by a
# CloudFormation StackSet); never the organisation's administrator role by default.
DEFAULT_ORG_ROLE = "SkyscanAudit"
DEFAULT_SESSION_NAME = "skyscan"
# ListAccounts State (since 2025) or the older Status: only these accounts can be read
ACTIVE = "ACTIVE"
# "arn:aws:sts::111122223333:assumed-role/Name/session": the account the credentials act in
_ASSUMED_ACCOUNT = re.compile(r"^arn:[\w-]+:sts::(\d{12}):assumed-role/")

Unit = tuple[AwsContext | UnreachableScope, Scope]


@dataclass(frozen=True)
class AccountOptions:
    """The multi-account flags, already validated for shape by the CLI."""

    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = DEFAULT_SESSION_NAME
    org: bool = False
    accounts: tuple[str, ...] = ()
    org_role: str = DEFAULT_ORG_ROLE

    @property
    def multi(self) -> bool:
        return self.org or bool(self.accounts)


class AssumeRoleFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _Fixed(botocore.credentials.CredentialProvider):  # type: ignore[misc]
    """Hands one (refreshable) credentials object to a botocore session."""

    METHOD = "assume-role"

    def __init__(self, credentials: botocore.credentials.Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> botocore.credentials.Credentials:
        return self._credentials


_loader: Any = None  # one botocore data loader per process: service models parsed once
_loader_lock = threading.Lock()


def session_with(credentials: botocore.credentials.Credentials, *, profile: str | None, region: str) -> boto3.Session:
    """A boto3 session that hands out ``credentials`` and keeps the profile's
    configuration (region, endpoint_url), never its credentials. Sessions share one
    data loader, so an organisation's hundredth account does not parse the service
    models again."""
    global _loader
    core = botocore.session.Session(profile=profile)
    with _loader_lock:
        _loader = _loader or botocore.loaders.create_loader()
    core.register_component("data_loader", _loader)
    core.register_component("credential_provider", botocore.credentials.CredentialResolver([_Fixed(credentials)]))
    return boto3.Session(botocore_session=core, region_name=region)


def _now() -> datetime:
    return datetime.now(UTC)


def role_arn(partition: str, account: str, role: str) -> str:
    """The ARN of role ``role`` (a name, maybe with a path) in ``account``."""
    return f"arn:{partition}:iam::{account}:role/{role}"


def assume(
    hub: AwsContext,
    arn: str,
    *,
    session_name: str = DEFAULT_SESSION_NAME,
    external_id: str | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AwsContext:
    """A context acting as role ``arn``, assumed with ``hub``'s credentials; the
    first AssumeRole happens now, so a refused role is known before any collector runs.
    ``clock`` replaces botocore's notion of now (tests of the refresh)."""
    request: dict[str, Any] = {"RoleArn": arn, "RoleSessionName": session_name}
    if external_id is not None:
        request["ExternalId"] = external_id
    sts = hub.client("sts", hub.home_region)

    def fetch() -> dict[str, Any]:
        # a refresh that fails mid-scan raises the SDK's own error inside the collector's
        # call, which records it as a typed error of that read
        answer = sts.assume_role(**request)
        issued = answer["Credentials"]
        match = _ASSUMED_ACCOUNT.match(str(answer.get("AssumedRoleUser", {}).get("Arn", "")))
        return {
            "access_key": issued["AccessKeyId"],
            "secret_key": issued["SecretAccessKey"],
            "token": issued["SessionToken"],
            "expiry_time": issued["Expiration"].isoformat(),
            "account": match.group(1) if match else None,
        }

    try:
        first = fetch()
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        raise AssumeRoleFailed(*describe_error(exc)) from None
    if first["account"] is None:
        raise AssumeRoleFailed("UnexpectedResponse", "AssumeRole named no assumed-role ARN")
    credentials = botocore.credentials.RefreshableCredentials(
        access_key=first["access_key"],
        secret_key=first["secret_key"],
        token=first["token"],
        expiry_time=datetime.fromisoformat(first["expiry_time"]),
        refresh_using=fetch,  # botocore takes the four credential keys and ignores "account"
        method="assume-role",
        time_fetcher=clock or _now,
    )
    return AwsContext(
        session_with(credentials, profile=hub.profile, region=hub.home_region),
        account=str(first["account"]),
        home_region=hub.home_region,
        regions=hub.regions,
        endpoint_url=hub.endpoint_url,
        pool=hub.pool,
        profile=hub.profile,
        max_attempts=hub.max_attempts,
        timeout=hub.timeout,
    )


def organisation_accounts(hub: AwsContext) -> tuple[str, ...]:
    """The ids of the organisation's active accounts (Organizations ListAccounts, every
    page). Without the member list nothing can be scanned: a refusal is a setup error."""
    client = hub.client("organizations", hub.home_region)
    found: list[str] = []
    try:
        for page in client.get_paginator("list_accounts").paginate():
            for account in page.get("Accounts", []):
                if account.get("State", account.get("Status")) == ACTIVE:
                    found.append(str(account["Id"]))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        code, _ = describe_error(exc)
        raise AwsSetupError(f"--org: the organisation's accounts could not be listed ({code})") from None
    if not found:  # an organisation always lists its management account
        raise AwsSetupError("--org: the organisation lists no active account")
    return tuple(sorted(set(found)))


# an account --accounts names that the organisation does not list as active
NOT_A_MEMBER = UnreachableScope(
    "organizations", "ListAccounts", "NotAnActiveMember", "the account is not an active member of the organisation"
)


def target_accounts(hub: AwsContext, options: AccountOptions) -> tuple[list[str], tuple[str, ...]]:
    """For a multi-account scan, without assuming any role: the accounts to open (in
    order, once each) and those --accounts names that --org does not list as active."""
    wanted = options.accounts
    members: Sequence[str] = wanted
    missing: tuple[str, ...] = ()
    if options.org:
        active = organisation_accounts(hub)
        members = [a for a in active if a in wanted] if wanted else active
        missing = tuple(a for a in wanted if a not in active)
    return list(dict.fromkeys(members)), missing


def open_accounts(hub: AwsContext, options: AccountOptions) -> list[Unit]:
    """One unit per account in scope. A single --role-arn that cannot be assumed stops
    the scan (nothing else was asked for); in a multi-account scan that account alone
    is unreachable."""
    regions = hub.regions or ()
    if options.role_arn is not None:
        try:
            hub = assume(hub, options.role_arn, session_name=options.session_name, external_id=options.external_id)
        except AssumeRoleFailed as exc:
            raise AwsSetupError(f"--role-arn: the role could not be assumed ({exc.code})") from None
    if not options.multi:
        return [(hub, Scope("aws", hub.account, regions))]
    members, missing = target_accounts(hub, options)
    slots: dict[str, AwsContext | UnreachableScope] = {account: NOT_A_MEMBER for account in missing}

    def open_one(account: str) -> None:
        arn = role_arn(hub.partition, account, options.org_role)
        try:
            slots[account] = assume(hub, arn, session_name=options.session_name, external_id=options.external_id)
        except AssumeRoleFailed as exc:
            slots[account] = UnreachableScope("sts", "AssumeRole", exc.code, exc.message)

    hub.pool.run(open_one, members)
    return [(slots[account], Scope("aws", account, regions)) for account in sorted(slots)]
