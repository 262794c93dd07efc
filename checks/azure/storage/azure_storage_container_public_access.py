"""Blob container is not anonymously readable, given its account's settings."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.storage.defaults import has_blob_service
from checks.azure.storage.exposure import accounts_by_id, exposure
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.azure import BlobContainer, StorageAccount
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_storage_container_public_access",
    title="Blob container does not allow anonymous access",
    severity=Severity.CRITICAL,
    provider="azure",
    service="storage",
    requires=(BlobContainer.TYPE, StorageAccount.TYPE),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "az storage container set-permission --name <container> --account-name <account> --public-access off; "
        "and disallow it for the whole account: az storage account update --name <account> "
        "--resource-group <group> --allow-blob-public-access false"
    ),
    references=(
        "https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-configure",
        "https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent",
    ),
    description=(
        "A container at level 'container' lets anyone list and read its blobs, at level 'blob' read "
        "any blob whose name they know, without credentials. Reported critical (listing) or high "
        "(reading) when the account serves it to the internet, medium when the account's network "
        "rules limit who can reach it, and low when the account disallows anonymous access: the "
        "container setting is then latent, and allowing it again at the account would expose it."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    accounts = accounts_by_id(snap)
    for account in accounts.values():
        if has_blob_service(account) and account.container_count is None:
            yield SPEC.error(account, "the account's containers could not be listed")
    for container in snap.resources(BlobContainer):
        owner = accounts.get(container.storage_account_id.lower())
        if owner is None or owner.properties is None:
            yield SPEC.error(container, "the owning storage account's settings could not be read",
                             storage_account_id=container.storage_account_id)
            continue
        seen = exposure(container, owner.properties)
        if seen is None:
            yield SPEC.error(container, f"unrecognised publicAccess {container.public_access!r}")
            continue
        details = seen.details()
        level = seen.level.value.lower()
        if not seen.anonymous_level:
            yield SPEC.ok(container, "the container is private", **details)
        elif not seen.effective:
            yield SPEC.fail(container, f"anonymous {level} access is set but the account disallows it (latent)",
                            severity=Severity.LOW, **details)
        elif seen.network_restricted:
            yield SPEC.fail(container, f"anonymous {level} access, from the networks the account allows",
                            severity=Severity.MEDIUM, **details)
        elif level == "container":
            yield SPEC.fail(container, "anyone on the internet can list and read its blobs", **details)
        else:
            yield SPEC.fail(container, "anyone on the internet can read its blobs by name",
                            severity=Severity.HIGH, **details)
