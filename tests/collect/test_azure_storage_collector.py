"""The Azure Storage collector against the local HTTPS Resource Manager (tests/azure_arm.py):
the real ClientSecretCredential signs in at the fake authority and the real
SubscriptionClient pipeline reads, so auth, retries, paging and the read-only guard are
the ones a live scan uses. Faults are injected by the server per path."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.core.rest import HttpRequest

from scanner import runner
from scanner.collect.azure.arm import ArmError, WriteRefused
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.identity import AzureSetupError
from scanner.collect.azure.storage import COLLECTOR
from scanner.resources.azure import (
    BlobContainer,
    BlobServiceProperties,
    NetworkRuleSet,
    PrivateEndpointConnection,
    RetentionPolicy,
    SasPolicy,
    StorageAccount,
    StorageAccountProperties,
    StorageEncryption,
)
from scanner.snapshot import CollectionError, Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "00000000-0000-0000-0000-00000000000a"
SUB_B = "00000000-0000-0000-0000-00000000000b"
ACCOUNTS = "/providers/Microsoft.Storage/storageAccounts"

FULL_PROPERTIES: dict[str, Any] = {
    "creationTime": "2024-02-01T10:00:00.0000000Z",
    "allowBlobPublicAccess": False,
    "minimumTlsVersion": "TLS1_2",
    "supportsHttpsTrafficOnly": True,
    "allowSharedKeyAccess": False,
    "publicNetworkAccess": "Disabled",
    "allowCrossTenantReplication": False,
    "networkAcls": {
        "bypass": "Logging, Metrics, AzureServices",
        "defaultAction": "Deny",
        "ipRules": [{"value": "203.0.113.0/24", "action": "Allow"}],
        "virtualNetworkRules": [{"id": "/subscriptions/x/virtualNetworks/v/subnets/s", "action": "Allow"}],
        "resourceAccessRules": [{"tenantId": "t", "resourceId": "/subscriptions/x/workspaces/w"}],
    },
    "privateEndpointConnections": [{
        "id": "/pec/1",
        "properties": {"privateEndpoint": {"id": "/pe/1"},
                       "privateLinkServiceConnectionState": {"status": "Approved", "description": ""}},
    }],
    "encryption": {
        "keySource": "Microsoft.Keyvault",
        "requireInfrastructureEncryption": True,
        "keyvaultproperties": {"keyvaulturi": "https://vault1.vault.azure.net", "keyname": "storage-key"},
        "services": {"blob": {"enabled": True, "keyType": "Account"}},
    },
    "keyPolicy": {"keyExpirationPeriodInDays": 90},
    "sasPolicy": {"sasExpirationPeriod": "0.01:00:00", "expirationAction": "Block"},
}
FULL_BLOB_SERVICE: dict[str, Any] = {
    "deleteRetentionPolicy": {"enabled": True, "days": 14, "allowPermanentDelete": False},
    "containerDeleteRetentionPolicy": {"enabled": True, "days": 21},
    "isVersioningEnabled": True,
    "cors": {"corsRules": []},
}


def collect(contexts: list[AzureContext]) -> Snapshot:
    units = [(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts]
    return runner.collect(units, [COLLECTOR])


def by_name(snap: Snapshot, kind: type[Any]) -> dict[str, Any]:
    return {record.name: record for record in snap.resources(kind)}


def test_records_field_by_field(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.add_subscription(SUB_A)
    hardened = arm.model.add_storage_account(
        SUB_A, "hardened", group="rg-sec", location="northeurope", properties=FULL_PROPERTIES,
        blob_service=FULL_BLOB_SERVICE, containers={"public-c": "Container", "public-b": "Blob",
                                                    "private": "None", "unset": None},
        tags={"owner": "data-team"},
    )
    bare = arm.model.add_storage_account(SUB_A, "bare", properties={"creationTime": "2019-01-01T00:00:00Z"})

    snap = collect(open_azure())

    assert snap.errors == ()
    accounts = by_name(snap, StorageAccount)
    assert accounts["hardened"] == StorageAccount(
        account=SUB_A, region="northeurope", resource_id=hardened, name="hardened", tags={"owner": "data-team"},
        resource_group="rg-sec", kind="StorageV2", sku="Standard_GRS", api_version="2023-05-01",
        properties=StorageAccountProperties(
            creation_time="2024-02-01T10:00:00.0000000Z", allow_blob_public_access=False,
            minimum_tls_version="TLS1_2", supports_https_traffic_only=True, allow_shared_key_access=False,
            public_network_access="Disabled", allow_cross_tenant_replication=False,
            network_acls=NetworkRuleSet(
                default_action="Deny", bypass=("Logging", "Metrics", "AzureServices"), ip_rules=("203.0.113.0/24",),
                virtual_network_rules=("/subscriptions/x/virtualNetworks/v/subnets/s",),
                resource_access_rules=("/subscriptions/x/workspaces/w",),
            ),
            private_endpoint_connections=(PrivateEndpointConnection("/pec/1", "/pe/1", "Approved"),),
            encryption=StorageEncryption("Microsoft.Keyvault", True, "https://vault1.vault.azure.net", "storage-key"),
            key_expiration_period_days=90,
            sas_policy=SasPolicy("0.01:00:00", "Block"),
        ),
        blob_service=BlobServiceProperties(RetentionPolicy(True, 14), RetentionPolicy(True, 21), True),
        container_count=4,
    )
    # absent properties stay None ("platform default"), distinct from an unread record
    assert accounts["bare"].properties == StorageAccountProperties(creation_time="2019-01-01T00:00:00Z")
    assert accounts["bare"].blob_service == BlobServiceProperties(None, None, None)
    assert accounts["bare"].container_count == 0 and accounts["bare"].resource_id == bare
    containers = by_name(snap, BlobContainer)
    assert {name: c.public_access for name, c in containers.items()} == {
        "public-c": "Container", "public-b": "Blob", "private": "None", "unset": None,
    }
    assert containers["public-b"] == BlobContainer(
        account=SUB_A, region="northeurope", resource_id=f"{hardened}/blobServices/default/containers/public-b",
        name="public-b", storage_account_id=hardened, public_access="Blob",
    )
    assert snap.scopes == (Scope("azure", SUB_A, ("northeurope", "westeurope")),)

    # each read exactly once, and nothing but GET
    calls = arm.calls()
    assert calls[f"/subscriptions/{SUB_A}{ACCOUNTS}"] == 1
    for account_id in (hardened, bare):
        assert calls[f"{account_id}/blobServices/default"] == 1
        assert calls[f"{account_id}/blobServices/default/containers"] == 1
    assert arm.methods() == {"GET"}
    assert not any("listKeys" in path or "regenerateKey" in path for path in calls)


def test_paging_follows_next_link_for_accounts_and_containers(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    arm.model.add_subscription(SUB_A)
    for index in range(5):
        arm.model.add_storage_account(SUB_A, f"acct{index}", containers={f"c{n}": "None" for n in range(3)})

    snap = collect(open_azure())

    assert snap.errors == ()
    assert sorted(by_name(snap, StorageAccount)) == [f"acct{i}" for i in range(5)]
    assert len(snap.resources(BlobContainer)) == 15
    assert {a.container_count for a in snap.resources(StorageAccount)} == {3}
    # 5 accounts in pages of 2: three requests for the listing, two per container listing
    assert arm.calls()[f"/subscriptions/{SUB_A}{ACCOUNTS}"] == 3
    first = next(iter(snap.resources(StorageAccount))).resource_id
    assert arm.calls()[f"{first}/blobServices/default/containers"] == 2


def test_subscriptions_listed_when_none_named_and_not_when_named(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 1
    arm.model.add_subscription(SUB_B, "prod")
    arm.model.add_subscription(SUB_A, "dev")
    listed = open_azure()
    assert [(c.subscription_id, c.display_name) for c in listed] == [(SUB_A, "dev"), (SUB_B, "prod")]
    assert arm.calls()["/subscriptions"] == 2  # two pages

    arm.reset()
    named = open_azure((SUB_B.upper(),))
    assert [c.subscription_id for c in named] == [SUB_B]
    assert arm.requests == []  # sign-in only; no listing


def test_forbidden_subscription_is_a_scope_error_and_the_other_is_still_collected(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    arm.model.add_subscription(SUB_B)
    arm.model.add_storage_account(SUB_A, "denied-acct")
    arm.model.add_storage_account(SUB_B, "visible-acct", containers={"c": "Blob"})
    arm.fail(f"/subscriptions/{SUB_A}/providers/Microsoft.Storage", status=403, code="AuthorizationFailed")

    snap = collect(open_azure())

    assert sorted(by_name(snap, StorageAccount)) == ["visible-acct"]
    assert [c.name for c in snap.resources(BlobContainer)] == ["c"]
    scope_errors = {(e.account, e.resource_type, e.code, e.resource_id) for e in snap.errors}
    assert scope_errors == {
        (SUB_A, "azure.storage.account", "AuthorizationFailed", None),
        (SUB_A, "azure.storage.container", "AuthorizationFailed", None),
    }
    assert {s.account for s in snap.scopes} == {SUB_A, SUB_B}
    assert arm.calls()[f"/subscriptions/{SUB_A}{ACCOUNTS}"] == 1  # a 403 is not retried


def test_throttling_with_retry_after_is_retried_then_succeeds(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    arm.model.add_storage_account(SUB_A, "busy")
    arm.fail(f"{ACCOUNTS}$", status=429, code="TooManyRequests", retry_after=1, times=2)
    contexts = open_azure()

    started = time.monotonic()
    snap = collect(contexts)
    elapsed = time.monotonic() - started

    assert snap.errors == ()
    assert [a.name for a in snap.resources(StorageAccount)] == ["busy"]
    assert arm.calls()[f"/subscriptions/{SUB_A}{ACCOUNTS}"] == 3
    assert elapsed >= 1.8  # Retry-After: 1 was honoured twice


def test_throttling_past_the_retry_budget_is_a_typed_error(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    arm.fail(f"{ACCOUNTS}$", status=429, code="TooManyRequests", retry_after=0)

    snap = collect(open_azure(retry_total=2))

    assert {(e.code, e.resource_id) for e in snap.errors} == {("Throttled", None)}
    assert arm.calls()[f"/subscriptions/{SUB_A}{ACCOUNTS}"] == 3


def test_persistent_server_error_is_a_typed_error_not_an_empty_result(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    flaky = arm.model.add_storage_account(SUB_A, "flaky", containers={"c": "None"})
    arm.model.add_storage_account(SUB_A, "fine")
    arm.fail("flaky/blobServices/default$", status=503, code="ServerBusy")

    snap = collect(open_azure(retry_total=2))

    accounts = by_name(snap, StorageAccount)
    assert accounts["flaky"].blob_service is None  # unread, not "off"
    assert accounts["flaky"].container_count == 1 and accounts["fine"].blob_service is not None
    assert snap.errors == (
        CollectionError(provider="azure", account=SUB_A, region="westeurope", service="storage",
                        operation="BlobServices_GetServiceProperties", code="ServerBusy",
                        message=snap.errors[0].message, resource_type="azure.storage.account", resource_id=flaky),
    )
    assert arm.calls()[f"{flaky}/blobServices/default"] == 3  # 1 + retry_total


def test_persistent_server_error_on_a_listing_leaves_no_records(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    arm.model.add_storage_account(SUB_A, "hidden")
    arm.fail(f"{ACCOUNTS}$", status=500, code="InternalServerError")

    snap = collect(open_azure(retry_total=1))

    assert snap.resources(StorageAccount) == ()
    assert {(e.resource_type, e.code, e.resource_id) for e in snap.errors} == {
        ("azure.storage.account", "InternalServerError", None),
        ("azure.storage.container", "InternalServerError", None),
    }


def test_malformed_second_page_fails_the_whole_listing(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    arm.model.add_subscription(SUB_A)
    for index in range(5):
        arm.model.add_storage_account(SUB_A, f"acct{index}")
    arm.fail(r"storageAccounts\?.*skiptoken=2", malformed=True)

    snap = collect(open_azure())

    # the first page's two accounts are not passed off as the whole
    assert snap.resources(StorageAccount) == ()
    assert {(e.operation, e.code) for e in snap.errors} == {("StorageAccounts_List", "MalformedResponse")}


def test_malformed_container_page_is_an_account_error(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    acct = arm.model.add_storage_account(SUB_A, "acct", containers={"c": "Blob"})
    arm.fail("containers$", malformed=True)

    snap = collect(open_azure())

    assert by_name(snap, StorageAccount)["acct"].container_count is None
    assert snap.resources(BlobContainer) == ()
    assert [(e.resource_type, e.code, e.resource_id) for e in snap.errors] == [
        ("azure.storage.container", "MalformedResponse", acct)
    ]


def test_property_of_the_wrong_type_makes_the_account_unreadable(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    acct = arm.model.add_storage_account(SUB_A, "odd", properties={"allowBlobPublicAccess": "yes"})

    snap = collect(open_azure())

    assert by_name(snap, StorageAccount)["odd"].properties is None
    assert [(e.code, e.resource_id) for e in snap.errors] == [("MalformedResponse", acct)]
    assert "allowBlobPublicAccess" in snap.errors[0].message


def test_slow_answer_times_out_into_a_typed_error(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    slow = arm.model.add_storage_account(SUB_A, "slow")
    arm.fail("slow/blobServices/default$", delay=2.0, status=200)

    snap = collect(open_azure(read_timeout=0.5, retry_total=1))

    assert by_name(snap, StorageAccount)["slow"].blob_service is None
    assert [(e.code, e.resource_id) for e in snap.errors] == [("Timeout", slow)]


def test_file_storage_accounts_get_no_blob_reads(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.add_subscription(SUB_A)
    shares = arm.model.add_storage_account(SUB_A, "shares", kind="FileStorage")

    snap = collect(open_azure())

    account = by_name(snap, StorageAccount)["shares"]
    assert (account.kind, account.blob_service, account.container_count) == ("FileStorage", None, None)
    assert snap.errors == ()
    assert not any(path.startswith(shares + "/") for path in arm.calls())


def test_next_link_to_another_host_is_refused(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.page_size = 1
    arm.model.next_link_base = "https://127.0.0.2:1"
    arm.model.add_subscription(SUB_A)
    arm.model.add_storage_account(SUB_A, "one")
    arm.model.add_storage_account(SUB_A, "two")

    snap = collect(open_azure())

    assert snap.resources(StorageAccount) == ()
    assert {e.code for e in snap.errors} == {"UnexpectedNextLink"}


def test_read_only_guard_refuses_writes_before_sending(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.add_subscription(SUB_A)
    context = open_azure((SUB_A,))[0]
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        with pytest.raises(WriteRefused):
            context.reader.client.send_request(HttpRequest(method, f"{arm.url}/subscriptions/{SUB_A}/x"))
    context.reader.client.send_request(HttpRequest("HEAD", f"{arm.url}/subscriptions/{SUB_A}"))
    assert arm.methods() == {"HEAD"}


def test_read_only_guard_stops_the_sdk_registering_a_resource_provider(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    # ARM's pipeline answers "not registered" by POSTing .../providers/Microsoft.Storage/register
    arm.model.add_subscription(SUB_A)
    arm.fail(f"{ACCOUNTS}$", status=409, code="MissingSubscriptionRegistration",
             message="The subscription is not registered to use namespace 'Microsoft.Storage'.")

    snap = collect(open_azure())

    assert {e.code for e in snap.errors} == {"WriteRefused"}
    assert arm.methods() == {"GET"}


def test_wrong_client_secret_is_a_setup_error_without_the_secret(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-the-right-secret")
    with pytest.raises(AzureSetupError) as caught:
        open_azure()
    assert "not-the-right-secret" not in str(caught.value)
    assert "client-secret" in str(caught.value)
    assert arm.requests == []  # no ARM read without a token


def test_arm_error_keeps_the_arm_code(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.add_subscription(SUB_A)
    context = open_azure((SUB_A,))[0]
    with pytest.raises(ArmError) as caught:
        context.reader.get(f"/subscriptions/{SUB_A}/resourceGroups/none/providers/Microsoft.Storage/x", "2023-05-01")
    assert (caught.value.code, caught.value.status) == ("ResourceNotFound", 404)
