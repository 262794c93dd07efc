"""What a storage account really does when Resource Manager leaves a property out.

The collector keeps "absent" (``None`` inside ``StorageAccountProperties``) apart from
"could not be read" (``StorageAccount.properties is None``). For an absent property the
platform's documented default applies, and that default sometimes depends on when the
account was created or on the api-version it was read with. Each function here returns
an ``Effective`` value that says whether it was configured or which default applied,
so every finding can show it (``details["source"]`` and ``details["default"]``).

Documented defaults used:

* ``allowBlobPublicAccess`` / ``allowCrossTenantReplication``: unset on an account means
  allowed (the original behaviour). From August 2023 Azure rolled out a new default for
  *new* accounts, complete on 2023-12-05: both false. An account created on or after
  that date is taken to have the new default; an older one, or one whose creation time
  is unknown, the permissive one.
* ``minimumTlsVersion``: unset means TLS 1.0 is accepted.
* ``supportsHttpsTrafficOnly``: true by default since api-version 2019-04-01.
* ``allowSharedKeyAccess``: unset (null) is equivalent to true.
* ``publicNetworkAccess``: unset means Enabled (``networkAcls`` decides).
* ``networkAcls``: unset means defaultAction Allow, bypass AzureServices.
* ``encryption``: unset keySource means Microsoft-managed keys
  (Microsoft.Storage); unset requireInfrastructureEncryption means false.
* Blob service: an unset retention policy or versioning flag means off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from scanner.model import CheckSpec, Finding
from scanner.resources.azure import BlobServiceProperties, RetentionPolicy, StorageAccount, StorageAccountProperties
from scanner.snapshot import Snapshot

T = TypeVar("T")

# by this date every new account got allowBlobPublicAccess and allowCrossTenantReplication false
SECURE_DEFAULTS_SINCE = "2023-12-05"
HTTPS_ONLY_DEFAULT_SINCE_API = "2019-04-01"
TLS_VERSIONS = ("TLS1_0", "TLS1_1", "TLS1_2", "TLS1_3")  # in order
RECOMMENDED_MIN_TLS = "TLS1_2"
MIN_RETENTION_DAYS = 7  # CIS: soft delete retention of 7 to 365 days
# kinds without a blob service: blob checks do not apply to them
NO_BLOB_SERVICE_KINDS = frozenset({"filestorage"})


@dataclass(frozen=True)
class Effective(Generic[T]):
    value: T
    default: str | None = None  # None: configured on the account; else the default that applied

    def details(self, name: str) -> dict[str, Any]:
        found: dict[str, Any] = {name: self.value, "source": "configured" if self.default is None else "default"}
        if self.default is not None:
            found["default"] = self.default
        return found


def has_blob_service(account: StorageAccount) -> bool:
    return (account.kind or "").lower() not in NO_BLOB_SERVICE_KINDS


def created_since(props: StorageAccountProperties, day: str) -> bool | None:
    """Whether the account was created on or after ``day`` (YYYY-MM-DD); None: unknown."""
    created = props.creation_time
    if not created or len(created) < 10 or created[4] != "-" or created[7] != "-":
        return None
    return created[:10] >= day


def _secure_new_default(props: StorageAccountProperties, name: str) -> Effective[bool]:
    if created_since(props, SECURE_DEFAULTS_SINCE):
        return Effective(False, f"{name} unset: false for accounts created since {SECURE_DEFAULTS_SINCE}")
    return Effective(True, f"{name} unset: allowed for accounts created before {SECURE_DEFAULTS_SINCE}"
                           " (or of unknown creation time)")


def allow_blob_public_access(props: StorageAccountProperties) -> Effective[bool]:
    if props.allow_blob_public_access is not None:
        return Effective(props.allow_blob_public_access)
    return _secure_new_default(props, "allowBlobPublicAccess")


def allow_cross_tenant_replication(props: StorageAccountProperties) -> Effective[bool]:
    if props.allow_cross_tenant_replication is not None:
        return Effective(props.allow_cross_tenant_replication)
    return _secure_new_default(props, "allowCrossTenantReplication")


def minimum_tls_version(props: StorageAccountProperties) -> Effective[str]:
    if props.minimum_tls_version is not None:
        return Effective(props.minimum_tls_version)
    return Effective("TLS1_0", "minimumTlsVersion unset: TLS 1.0 and later are accepted")


def tls_rank(version: str) -> int | None:
    """Position in TLS_VERSIONS (case-insensitive); None for a value Azure does not document."""
    upper = version.upper()
    return TLS_VERSIONS.index(upper) if upper in TLS_VERSIONS else None


def https_only(account: StorageAccount, props: StorageAccountProperties) -> Effective[bool]:
    if props.supports_https_traffic_only is not None:
        return Effective(props.supports_https_traffic_only)
    if api_version_at_least(account.api_version, HTTPS_ONLY_DEFAULT_SINCE_API):
        return Effective(True, f"supportsHttpsTrafficOnly unset: true since api-version {HTTPS_ONLY_DEFAULT_SINCE_API}")
    return Effective(False, f"supportsHttpsTrafficOnly unset: false before api-version {HTTPS_ONLY_DEFAULT_SINCE_API}")


def api_version_at_least(version: str, minimum: str) -> bool:
    return version[:10] >= minimum


def shared_key_access(props: StorageAccountProperties) -> Effective[bool]:
    if props.allow_shared_key_access is not None:
        return Effective(props.allow_shared_key_access)
    return Effective(True, "allowSharedKeyAccess unset: equivalent to true")


def public_network_access(props: StorageAccountProperties) -> Effective[str]:
    if props.public_network_access is not None:
        return Effective(props.public_network_access)
    return Effective("Enabled", "publicNetworkAccess unset: Enabled (the network rules decide)")


def network_default_action(props: StorageAccountProperties) -> Effective[str]:
    acls = props.network_acls
    if acls is not None and acls.default_action is not None:
        return Effective(acls.default_action)
    return Effective("Allow", "networkAcls.defaultAction unset: Allow")


def network_bypass(props: StorageAccountProperties) -> Effective[tuple[str, ...]]:
    acls = props.network_acls
    if acls is not None and acls.bypass is not None:
        return Effective(acls.bypass)
    return Effective(("AzureServices",), "networkAcls.bypass unset: AzureServices")


def network_restricted(props: StorageAccountProperties) -> bool:
    """True when the public endpoint does not accept every network: public access
    disabled or left to a network security perimeter, or default action Deny."""
    access = public_network_access(props).value.lower()
    return access in ("disabled", "securedbyperimeter") or network_default_action(props).value.lower() == "deny"


def key_source(props: StorageAccountProperties) -> Effective[str]:
    if props.encryption is not None and props.encryption.key_source is not None:
        return Effective(props.encryption.key_source)
    return Effective("Microsoft.Storage", "encryption.keySource unset: Microsoft-managed keys")


def infrastructure_encryption(props: StorageAccountProperties) -> Effective[bool]:
    if props.encryption is not None and props.encryption.require_infrastructure_encryption is not None:
        return Effective(props.encryption.require_infrastructure_encryption)
    return Effective(False, "encryption.requireInfrastructureEncryption unset: false")


@dataclass(frozen=True)
class RetentionVerdict:
    status: str  # "ok", "fail" or "error"
    reason: str
    details: dict[str, Any]


def judge_retention(policy: RetentionPolicy | None, name: str) -> RetentionVerdict:
    """Soft delete ``name`` (a blob service retention policy) enabled for at least
    MIN_RETENTION_DAYS; an unset policy means soft delete is off."""
    if policy is None:
        return RetentionVerdict("fail", f"{name} is off", {
            "enabled": False, "days": None, "minimum_days": MIN_RETENTION_DAYS,
            "source": "default", "default": f"{name} policy unset: off"})
    details: dict[str, Any] = {"enabled": policy.enabled, "days": policy.days, "minimum_days": MIN_RETENTION_DAYS,
                               "source": "configured"}
    if not policy.enabled:
        return RetentionVerdict("fail", f"{name} is off", details)
    if policy.days is None:
        return RetentionVerdict("error", f"{name} is on but its retention days are missing", details)
    if policy.days < MIN_RETENTION_DAYS:
        return RetentionVerdict("fail", f"{name} keeps deleted data only {policy.days} day(s)", details)
    return RetentionVerdict("ok", f"{name} keeps deleted data {policy.days} days", details)


def soft_delete_findings(
    spec: CheckSpec, snap: Snapshot, policy: Callable[[BlobServiceProperties], RetentionPolicy | None], name: str
) -> Iterator[Finding]:
    """One finding per account with a blob service: ``policy`` (a retention policy of
    its blob service) judged by ``judge_retention``."""
    for account in snap.resources(StorageAccount):
        if not has_blob_service(account):
            continue
        if account.blob_service is None:
            yield spec.error(account, "blob service properties could not be read")
            continue
        verdict = judge_retention(policy(account.blob_service), name)
        if verdict.status == "ok":
            yield spec.ok(account, verdict.reason, **verdict.details)
        elif verdict.status == "fail":
            yield spec.fail(account, verdict.reason, **verdict.details)
        else:
            yield spec.error(account, verdict.reason, **verdict.details)
