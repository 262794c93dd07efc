"""AWS IAM records: account settings, the root user, users, groups, roles, managed
policies, server certificates, and the IAM Access Analyzer state of each region.

IAM is global: its records carry the region ``"global"``. Access Analyzer is regional:
one record per region read.

As everywhere, a record field that is ``None`` could not be read (the snapshot holds
the matching collection error). Inside the nested values below, the comments say what
``None`` means; "never used" is never confused with "unknown".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from scanner.resources.base import Resource

GLOBAL_REGION = "global"


@dataclass(frozen=True)
class PasswordPolicy:
    """The account password policy. Without a custom policy (``configured`` False) AWS
    applies its default: at least 8 characters and no reuse prevention, which is what
    the other fields then hold."""

    configured: bool
    minimum_length: int
    reuse_prevention: int = 0  # how many previous passwords are remembered; 0: none
    max_age_days: int = 0  # 0: passwords never expire
    require_symbols: bool = False
    require_numbers: bool = False
    require_uppercase: bool = False
    require_lowercase: bool = False
    allow_users_to_change: bool = False
    hard_expiry: bool = False


@dataclass(frozen=True, kw_only=True)
class IamAccountSettings(Resource):
    """Account-wide IAM settings: one record per account."""

    TYPE: ClassVar[str] = "aws.iam.account"
    PROVIDER: ClassVar[str] = "aws"

    password_policy: PasswordPolicy | None = None


@dataclass(frozen=True)
class RootSummary:
    """From GetAccountSummary (AccountMFAEnabled, AccountAccessKeysPresent)."""

    mfa_enabled: bool
    access_keys_present: bool  # active or inactive keys exist


@dataclass(frozen=True)
class RootKeyUsage:
    """One access-key slot of the root row of the credential report."""

    slot: int  # 1 or 2
    active: bool
    last_rotated: str | None  # ISO-8601; None: no key in this slot
    last_used: str | None  # ISO-8601; None: never used


@dataclass(frozen=True)
class RootActivity:
    """The ``<root_account>`` row of the credential report."""

    report_generated_at: str | None  # when AWS built the report (ISO-8601)
    password_last_used: str | None  # ISO-8601; None: never, or before AWS tracked it (2014)
    mfa_active: bool
    access_keys: tuple[RootKeyUsage, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IamRootUser(Resource):
    """The account's root user: one record per account."""

    TYPE: ClassVar[str] = "aws.iam.root_user"
    PROVIDER: ClassVar[str] = "aws"

    summary: RootSummary | None = None
    activity: RootActivity | None = None


@dataclass(frozen=True)
class AttachedPolicy:
    """A managed policy attached to a user, group or role."""

    arn: str
    name: str


@dataclass(frozen=True)
class InlinePolicy:
    name: str
    document: dict[str, Any]


@dataclass(frozen=True)
class ConsoleAccess:
    """Console sign-in: ``password_enabled`` False when the user has no login profile."""

    password_enabled: bool
    created: str | None = None  # when the password was set (ISO-8601)
    last_used: str | None = None  # ISO-8601; None: never used (or no password)


@dataclass(frozen=True)
class MfaDevice:
    serial: str  # the device ARN, or the serial number of a hardware device
    enabled: str | None = None  # ISO-8601


@dataclass(frozen=True)
class KeyUsage:
    """GetAccessKeyLastUsed."""

    last_used: str | None  # ISO-8601; None: never used
    service: str | None = None
    region: str | None = None


@dataclass(frozen=True)
class AccessKey:
    """An access key, identified only by the last characters of its id (the id itself
    is half of a credential and is never written down)."""

    id_suffix: str
    status: str  # Active or Inactive
    created: str | None
    usage: KeyUsage | None  # None: GetAccessKeyLastUsed failed for this key

    @property
    def active(self) -> bool:
        return self.status == "Active"


@dataclass(frozen=True, kw_only=True)
class IamUser(Resource):
    TYPE: ClassVar[str] = "aws.iam.user"
    PROVIDER: ClassVar[str] = "aws"

    user_id: str = ""
    path: str = "/"
    created: str | None = None
    console: ConsoleAccess | None = None
    mfa_devices: tuple[MfaDevice, ...] | None = None
    access_keys: tuple[AccessKey, ...] | None = None
    groups: tuple[str, ...] | None = None  # group names
    attached_policies: tuple[AttachedPolicy, ...] | None = None
    inline_policies: tuple[InlinePolicy, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class IamGroup(Resource):
    TYPE: ClassVar[str] = "aws.iam.group"
    PROVIDER: ClassVar[str] = "aws"

    path: str = "/"
    attached_policies: tuple[AttachedPolicy, ...] | None = None
    inline_policies: tuple[InlinePolicy, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class IamRole(Resource):
    TYPE: ClassVar[str] = "aws.iam.role"
    PROVIDER: ClassVar[str] = "aws"

    path: str = "/"
    trust_policy: dict[str, Any] | None = None
    attached_policies: tuple[AttachedPolicy, ...] | None = None
    inline_policies: tuple[InlinePolicy, ...] | None = None

    @property
    def service_linked(self) -> bool:
        return self.path.startswith("/aws-service-role/")


@dataclass(frozen=True, kw_only=True)
class IamManagedPolicy(Resource):
    """A customer-managed policy, or an AWS-managed one attached in the account."""

    TYPE: ClassVar[str] = "aws.iam.policy"
    PROVIDER: ClassVar[str] = "aws"

    aws_managed: bool = False
    attachment_count: int = 0
    default_version: str = ""
    document: dict[str, Any] | None = None  # the default version's document


@dataclass(frozen=True, kw_only=True)
class IamServerCertificate(Resource):
    """An SSL/TLS server certificate stored in IAM (ListServerCertificates)."""

    TYPE: ClassVar[str] = "aws.iam.server_certificate"
    PROVIDER: ClassVar[str] = "aws"

    certificate_id: str = ""
    path: str = "/"
    upload_date: str | None = None  # ISO-8601
    expiration: str | None = None  # ISO-8601; None: not read


@dataclass(frozen=True)
class Analyzer:
    name: str
    arn: str
    type: str  # ACCOUNT, ORGANIZATION, ACCOUNT_UNUSED_ACCESS, ...
    status: str  # ACTIVE, CREATING, DISABLED or FAILED


@dataclass(frozen=True, kw_only=True)
class AccessAnalyzerRegion(Resource):
    """The IAM Access Analyzer analyzers of one region: one record per region read."""

    TYPE: ClassVar[str] = "aws.accessanalyzer.region"
    PROVIDER: ClassVar[str] = "aws"

    analyzers: tuple[Analyzer, ...] | None = None


IAM_RESOURCE_TYPES: tuple[type[Resource], ...] = (
    IamAccountSettings,
    IamRootUser,
    IamUser,
    IamGroup,
    IamRole,
    IamManagedPolicy,
    IamServerCertificate,
    AccessAnalyzerRegion,
)
