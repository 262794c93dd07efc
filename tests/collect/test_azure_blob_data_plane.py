"""The blob data plane and the anonymous probe against Azurite (real HTTP on 127.0.0.1).

Resource Manager is the local HTTPS server of tests/azure_arm.py; its account points
``primaryEndpoints.blob`` at Azurite, and the storage collector reads both: ARM first,
then the account's blob endpoint with the emulator's Shared Key (the override path)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import pytest

from scanner.collect.azure.arm import WriteRefused
from scanner.collect.azure.blob import (
    BlobContext,
    BlobOptions,
    BlobPlane,
    account_endpoint,
    plane_from_options,
    probe_container,
    service_client,
)
from scanner.collect.azure.identity import AzureSetupError
from scanner.collect.azure.storage import COLLECTOR
from scanner.collect.base import CollectResult
from scanner.resources.azure import AnonymousProbe, BlobContainer, BlobDataPlane, RetentionPolicy
from tests.azure_arm import ArmServer
from tests.azurite import Azurite, azurite, azurite_server  # noqa: F401  (fixtures)

SUB = "00000000-0000-0000-0000-0000000000d1"
FAST = BlobOptions(retry_total=0, connection_timeout=2.0, read_timeout=5.0)
OPEN = {"creationTime": "2021-01-01T00:00:00Z", "allowBlobPublicAccess": True}


def seed_azurite(az: Azurite) -> None:
    from azure.storage.blob import BlobAnalyticsLogging, StaticWebsite
    from azure.storage.blob import RetentionPolicy as SdkRetention

    with az.service() as service:
        for name, level in (("private", None), ("by-name", "blob"), ("listable", "container"),
                            ("empty-by-name", "blob"), ("stale", None)):
            container = service.create_container(name, public_access=level)
            if name != "empty-by-name":
                container.upload_blob("report.csv", b"a,b\n1,2\n")
        service.set_service_properties(
            analytics_logging=BlobAnalyticsLogging(read=True, write=True, delete=False,
                                                   retention_policy=SdkRetention(enabled=True, days=30)),
            delete_retention_policy=SdkRetention(enabled=True, days=14),
            static_website=StaticWebsite(enabled=True, index_document="index.html"),
        )


def seed_arm(arm: ArmServer, az: Azurite, **props: Any) -> str:
    arm.model.add_subscription(SUB, "data")
    # "stale": Resource Manager says Container, the endpoint keeps it private
    return arm.model.add_storage_account(
        SUB, az.account, properties={**OPEN, "primaryEndpoints": {"blob": f"{az.account_url}/"}, **props},
        containers={"private": "None", "by-name": "Blob", "listable": "Container", "empty-by-name": "Blob",
                    "stale": "Container"},
    )


def collect(open_azure: Callable[..., list[Any]], plane: BlobPlane) -> CollectResult:
    (ctx,) = open_azure((SUB,))
    result = CollectResult()
    COLLECTOR.collect(BlobContext(ctx, plane), result)
    return result


def plane_for(az: Azurite, *, probe: bool = True, endpoint: str | None = None, key: str | None = None) -> BlobPlane:
    return BlobPlane(None, endpoint or az.account_url, probe, None, FAST, key or az.key)


def test_data_plane_reads_levels_and_service_properties(
    arm: ArmServer, azurite: Azurite, open_azure: Callable[..., list[Any]]  # noqa: F811
) -> None:
    seed_azurite(azurite)
    account_id = seed_arm(arm, azurite)
    result = collect(open_azure, plane_for(azurite, probe=False))
    assert result.errors == []
    (plane,) = [r for r in result.records if isinstance(r, BlobDataPlane)]
    assert (plane.storage_account_id, plane.endpoint) == (account_id, azurite.account_url)
    assert plane.resource_id == f"{account_id}/blobServices/default" and plane.account == SUB
    assert plane.containers is not None
    assert {(c.name, c.public_access) for c in plane.containers} == {
        ("private", "None"), ("by-name", "Blob"), ("listable", "Container"), ("empty-by-name", "Blob"),
        ("stale", "None"),
    }
    assert plane.service is not None
    logging = plane.service.logging
    assert (logging.read, logging.write, logging.delete) == (True, True, False)
    assert logging.retention == RetentionPolicy(enabled=True, days=30)
    assert plane.service.delete_retention == RetentionPolicy(enabled=True, days=14)
    assert plane.service.static_website_enabled is True
    # without --probe-anonymous nothing is probed
    containers = [r for r in result.records if isinstance(r, BlobContainer)]
    assert len(containers) == 5 and all(c.anonymous_probe is None for c in containers)


def test_probe_proves_or_refutes_each_container(
    arm: ArmServer, azurite: Azurite, open_azure: Callable[..., list[Any]]  # noqa: F811
) -> None:
    seed_azurite(azurite)
    seed_arm(arm, azurite)
    result = collect(open_azure, plane_for(azurite))
    assert result.errors == []
    probes = {r.name: r.anonymous_probe for r in result.records if isinstance(r, BlobContainer)}
    assert probes["private"] is None  # its settings allow nothing: never probed

    def seen(name: str) -> tuple[str, int | None, str | None]:
        probe = probes[name]
        assert isinstance(probe, AnonymousProbe) and probe.at.endswith("+00:00")
        return probe.probe, probe.http_status, probe.error_code

    assert seen("listable") == ("anonymous-list", 200, None)
    # blob level: HEAD on a blob whose name the credentialed listing gave
    assert seen("by-name") == ("anonymous-blob-properties", 200, None)
    # blob level with no blob to test: the listing is refused, as blob level always is
    assert seen("empty-by-name") == ("anonymous-list", 403, "AuthorizationFailure")
    # Resource Manager says Container, the endpoint refuses: refuted
    assert seen("stale") == ("anonymous-list", 403, "AuthorizationFailure")


def test_probe_of_a_private_container_is_refused(azurite: Azurite) -> None:  # noqa: F811
    with azurite.service() as service:
        service.create_container("private").upload_blob("secret.txt", b"x")
    plane = plane_for(azurite)
    listing = probe_container(plane, azurite.account_url, "private", None)
    head = probe_container(plane, azurite.account_url, "private", "secret.txt")
    assert (listing.probe, listing.http_status, listing.error_code) == ("anonymous-list", 403, "AuthorizationFailure")
    assert (head.probe, head.http_status, head.error_code) == (
        "anonymous-blob-properties", 403, "AuthorizationFailure")


def test_unreachable_endpoint_is_a_typed_error_quickly(
    arm: ArmServer, azurite: Azurite, open_azure: Callable[..., list[Any]]  # noqa: F811
) -> None:
    """With the scan's own retry settings (two retries), not the tests' fast ones."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    account_id = seed_arm(arm, azurite)
    started = time.monotonic()
    result = collect(open_azure, BlobPlane(None, closed, True, None, BlobOptions(), azurite.key))
    assert time.monotonic() - started < 15
    assert {(e.operation, e.code, e.resource_type, e.resource_id) for e in result.errors} == {
        ("ListContainers", "ConnectionError", "azure.storage.blob_data_plane", account_id),
        ("GetBlobServiceProperties", "ConnectionError", "azure.storage.blob_data_plane", account_id),
    }
    (plane,) = [r for r in result.records if isinstance(r, BlobDataPlane)]
    assert (plane.containers, plane.service, plane.endpoint) == (None, None, f"{closed}/{azurite.account}")
    # an endpoint that does not answer is not probed: no evidence, never "not exposed"
    assert all(r.anonymous_probe is None for r in result.records if isinstance(r, BlobContainer))


def test_wrong_key_is_a_typed_error(
    arm: ArmServer, azurite: Azurite, open_azure: Callable[..., list[Any]]  # noqa: F811
) -> None:
    seed_azurite(azurite)
    seed_arm(arm, azurite)
    wrong = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
    result = collect(open_azure, plane_for(azurite, probe=False, key=wrong))
    assert {(e.operation, e.code) for e in result.errors} == {
        ("ListContainers", "AuthorizationFailure"), ("GetBlobServiceProperties", "AuthorizationFailure"),
    }
    assert all(wrong not in e.message for e in result.errors)


def test_account_without_a_blob_endpoint_is_an_error(
    arm: ArmServer, azurite: Azurite, open_azure: Callable[..., list[Any]]  # noqa: F811
) -> None:
    arm.model.add_subscription(SUB, "data")
    account_id = arm.model.add_storage_account(SUB, "noendpoint", properties=OPEN, containers={"c": "Container"})
    result = collect(open_azure, plane_for(azurite))  # the override names another account
    assert [(e.code, e.resource_id) for e in result.errors] == [("NoBlobEndpoint", account_id)]
    assert not [r for r in result.records if isinstance(r, BlobDataPlane)]


def test_data_plane_clients_refuse_writes(azurite: Azurite) -> None:  # noqa: F811
    with service_client(plane_for(azurite), azurite.account_url, azurite.account) as client, \
            pytest.raises(WriteRefused):
        client.create_container("made-by-skyscan")
    with azurite.service() as service:
        assert [c.name for c in service.list_containers()] == []


def test_endpoint_override_rules() -> None:
    item = {"properties": {"primaryEndpoints": {"blob": "https://acme.blob.core.windows.net/"}}}
    base = BlobPlane(None, "http://127.0.0.1:10000")
    named = BlobPlane(None, "http://127.0.0.1:10000/devstoreaccount1")
    real = BlobPlane(None)
    assert account_endpoint(base, "acme", item) == "http://127.0.0.1:10000/acme"
    assert account_endpoint(named, "DevStoreAccount1", item) == "http://127.0.0.1:10000/devstoreaccount1"
    assert account_endpoint(named, "acme", item) == "https://acme.blob.core.windows.net"
    assert account_endpoint(real, "acme", item) == "https://acme.blob.core.windows.net"
    assert account_endpoint(real, "acme", {"properties": {}}) is None


@pytest.mark.parametrize(("endpoint", "key", "named"), [
    ("ftp://127.0.0.1/x", None, "--blob-endpoint"),
    ("http://127.0.0.1:10000/devstoreaccount1", None, "SKYSCAN_BLOB_SHARED_KEY"),
    (None, "a2V5", "--blob-endpoint"),
    ("http://127.0.0.1:10000/devstoreaccount1", "not base64!", "SKYSCAN_BLOB_SHARED_KEY"),
])
def test_bad_data_plane_settings_name_the_flag(
    monkeypatch: pytest.MonkeyPatch, endpoint: str | None, key: str | None, named: str
) -> None:
    monkeypatch.delenv("SKYSCAN_BLOB_ENDPOINT", raising=False)
    monkeypatch.delenv("SKYSCAN_BLOB_SHARED_KEY", raising=False)
    if key is not None:
        monkeypatch.setenv("SKYSCAN_BLOB_SHARED_KEY", key)
    with pytest.raises(AzureSetupError) as caught:
        plane_from_options(None, endpoint=endpoint, probe=True, ca_bundle=None)
    assert named in str(caught.value) and (key is None or key not in str(caught.value))
