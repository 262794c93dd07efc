"""Effective anonymous access to a blob container.

A container's ``publicAccess`` (None, Blob or Container) only takes effect while its
account allows anonymous blob access (``allowBlobPublicAccess``, see defaults.py for
the value when it is unset): the account-level "false" overrides every container. What
remains is limited by the network: an account whose public endpoint is disabled, left
to a network security perimeter, or firewalled with default action Deny answers
anonymous requests only from the networks it allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checks.azure.storage.defaults import Effective, allow_blob_public_access, network_restricted
from scanner.resources.azure import AnonymousProbe, BlobContainer, StorageAccount, StorageAccountProperties
from scanner.snapshot import Snapshot

LEVELS = {"none": "None", "blob": "Blob", "container": "Container"}
# answers that refuse an anonymous request: 403 AuthorizationFailure (private container),
# 409 PublicAccessNotPermitted (account disallows it), 404 (private: hidden), 401
REFUSED = frozenset({401, 403, 404, 409})


@dataclass(frozen=True)
class ContainerExposure:
    level: Effective[str]  # None, Blob or Container; unset means None (private)
    account_allows: Effective[bool]
    network_restricted: bool

    @property
    def anonymous_level(self) -> bool:
        """The container itself is set to some anonymous access."""
        return self.level.value != "None"

    @property
    def effective(self) -> bool:
        """Anonymous requests are really served (from the networks that can reach the account)."""
        return self.anonymous_level and self.account_allows.value

    def details(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "public_access": self.level.value,
            "account_allows_anonymous": self.account_allows.value,
            "effective": self.effective,
            "network_restricted": self.network_restricted,
            "defaults_applied": [d for d in (self.level.default, self.account_allows.default) if d is not None],
        }
        return found


def container_level(container: BlobContainer) -> Effective[str] | None:
    """The normalised access level; None for a value Azure does not document."""
    if container.public_access is None:
        return Effective("None", "publicAccess unset: None (private)")
    level = LEVELS.get(container.public_access.lower())
    return None if level is None else Effective(level)


def exposure(container: BlobContainer, props: StorageAccountProperties) -> ContainerExposure | None:
    level = container_level(container)
    if level is None:
        return None
    return ContainerExposure(level, allow_blob_public_access(props), network_restricted(props))


def accounts_by_id(snap: Snapshot) -> dict[str, StorageAccount]:
    """ARM ids compare case-insensitively."""
    return {account.resource_id.lower(): account for account in snap.resources(StorageAccount)}


def judge_probe(probe: AnonymousProbe, level: str) -> str:
    """What the anonymous probe's answer proves: "proven" (served), "refuted" (refused)
    or "inconclusive". Listing a "blob"-level container is refused by design, so that
    refusal says nothing: only a HEAD on one of its blobs can prove or refute it."""
    status = probe.http_status
    if status is not None and 200 <= status < 300:
        return "proven"
    if status in REFUSED:
        return "inconclusive" if probe.probe == "anonymous-list" and level == "Blob" else "refuted"
    return "inconclusive"  # no answer, throttled or a server error


def probe_details(probe: AnonymousProbe, outcome: str, level: str, network_restricted: bool) -> dict[str, Any]:
    found: dict[str, Any] = {"probe": probe.probe, "http_status": probe.http_status, "error_code": probe.error_code,
                             "at": probe.at, "outcome": outcome}
    if outcome == "inconclusive" and probe.http_status in REFUSED:
        if probe.probe == "anonymous-list" and level == "Blob":
            found["note"] = "blob-level: not listable (no blob name to test)"
        elif network_restricted:
            found["note"] = "refused, but the account's network rules may have refused only the scanner"
    return found
