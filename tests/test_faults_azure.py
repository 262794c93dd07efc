"""The fault suite, Azure side: ``skyscan scan azure`` through the fault proxy, which
serves HTTPS (a trustme certificate) in front of the local Resource Manager.

Two subscriptions hold storage accounts, network security groups and watchers, Key
Vaults with keys and secrets, SQL servers and databases, App Service sites, activity
log settings and Defender plans; listings page every two items, so paging is faulted
too. The assertions are the AWS suite's (tests/test_faults_aws.py): no crash, a valid
report, every collection error a fault the proxy injected and every lost read a
collection error, no false PASS against a clean scan.

Resource Manager is one global endpoint: the AWS suite's "one region" has no
counterpart here; a subscription stands for an account and a provider namespace
(Microsoft.Sql ...) for a service. Sign-in goes to the authority directly; the proxy
sits in front of the reads.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.azure_arm import ArmServer
from tests.faultproxy import Entry, FaultProxy, Rule
from tests.reporting import load_report
from tests.test_faults_aws import HOLD, TIMEOUT, Run, check_run, lost_calls, write_figures
from tests.test_scan_azure import HARDENED, HARDENED_BLOB, OPEN
from tests.test_scan_azure_services import DEV, PROD
from tests.test_scan_azure_services import seed as seed_services

# the REST operation a collector names in its errors -> the resource type it reads
OPERATION_TYPES = {
    "StorageAccounts_List": "Microsoft.Storage/storageAccounts",
    "BlobServices_GetServiceProperties": "Microsoft.Storage/storageAccounts/blobServices",
    "BlobContainers_List": "Microsoft.Storage/storageAccounts/blobServices/containers",
    "NetworkSecurityGroups_ListAll": "Microsoft.Network/networkSecurityGroups",
    "NetworkWatchers_ListAll": "Microsoft.Network/networkWatchers",
    "FlowLogs_List": "Microsoft.Network/networkWatchers/flowLogs",
    "Vaults_ListBySubscription": "Microsoft.KeyVault/vaults",
    "Keys_List": "Microsoft.KeyVault/vaults/keys",
    "Secrets_List": "Microsoft.KeyVault/vaults/secrets",
    "Servers_List": "Microsoft.Sql/servers",
    "ServerAzureADAdministrators_ListByServer": "Microsoft.Sql/servers/administrators",
    "ServerBlobAuditingPolicies_Get": "Microsoft.Sql/servers/auditingSettings",
    "FirewallRules_ListByServer": "Microsoft.Sql/servers/firewallRules",
    "Databases_ListByServer": "Microsoft.Sql/servers/databases",
    "TransparentDataEncryptions_Get": "Microsoft.Sql/servers/databases/transparentDataEncryption",
    "WebApps_List": "Microsoft.Web/sites",
    "WebApps_GetConfiguration": "Microsoft.Web/sites/config",
    "SubscriptionDiagnosticSettings_List": "Microsoft.Insights/diagnosticSettings",
    "Pricings_List": "Microsoft.Security/pricings",
}
# the resource type a read returns -> checks whose findings on it must then be ERROR
TYPE_CHECKS: dict[str, set[str]] = {
    "Microsoft.Storage/storageAccounts/blobServices": {"azure_storage_blob_soft_delete",
                                                        "azure_storage_container_soft_delete"},
    "Microsoft.KeyVault/vaults/keys": {"azure_keyvault_key_expiry"},
    "Microsoft.KeyVault/vaults/secrets": {"azure_keyvault_secret_expiry"},
    "Microsoft.Sql/servers/databases/transparentDataEncryption": {"azure_sql_database_tde_enabled"},
    "Microsoft.Sql/servers/auditingSettings": {"azure_sql_server_auditing_enabled",
                                               "azure_sql_server_auditing_retention"},
    "Microsoft.Sql/servers/firewallRules": {"azure_sql_server_firewall_open"},
    "Microsoft.Web/sites/config": {"azure_appservice_site_min_tls", "azure_appservice_site_ftp_disabled"},
    "Microsoft.Network/networkSecurityGroups": {"azure_network_nsg_ssh_open", "azure_network_nsg_rdp_open",
                                                "azure_network_nsg_http_open", "azure_network_nsg_udp_open"},
    "Microsoft.Security/pricings": {"azure_defender_plan_keyvault", "azure_defender_plan_servers",
                                    "azure_defender_plan_sql", "azure_defender_plan_storage"},
    "Microsoft.Insights/diagnosticSettings": {"azure_monitor_activity_log_diagnostic_setting"},
}
SERVICE_CHECKS = {"storage": "azure_storage_", "network": "azure_network_", "keyvault": "azure_keyvault_",
                  "sql": "azure_sql_", "web": "azure_appservice_", "security": "azure_defender_",
                  "insights": "azure_monitor_"}


def same_place(error: dict[str, Any], entry: Entry) -> bool:
    kind = OPERATION_TYPES.get(error["operation"])
    return kind is not None and entry.operation == f"GET {kind}" and error["account"] == entry.account


class AzureWorld:
    def __init__(self, arm: ArmServer, proxy: FaultProxy, bundle: Path, work: Path) -> None:
        self.arm, self.proxy, self.bundle, self.work = arm, proxy, bundle, work
        self.ran: list[Run] = []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzureWorld]:
    import trustme

    work = tmp_path_factory.mktemp("faults-azure")
    arm = ArmServer(work).start()
    proxy = FaultProxy(arm.url, tls=trustme.CA(), upstream_ca=arm.ca_path).start()
    try:
        seed_services(arm)
        for subscription, name, props, blob in ((PROD, "openprod", OPEN, {}), (PROD, "safeprod", HARDENED,
                                                                                HARDENED_BLOB),
                                                (DEV, "safedev", HARDENED, HARDENED_BLOB)):
            arm.model.add_storage_account(subscription, name, properties=props, blob_service=blob,
                                          containers={"c1": "None"})
        arm.model.next_link_base = proxy.url  # later pages come through the proxy too
        bundle = proxy.write_ca_bundle(work / "trusted.pem", arm.ca_path)
        world = AzureWorld(arm, proxy, bundle, work)
        yield world
        write_figures("azure", world.ran)
    finally:
        proxy.stop()
        arm.stop()


@contextlib.contextmanager
def azure_environment(arm: ArmServer) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("AZURE_", "SKYSCAN_")) or name == "IDENTITY_ENDPOINT":
                mp.delenv(name, raising=False)
        for name, value in {"AZURE_AUTHORITY_HOST": arm.url, "AZURE_TENANT_ID": arm.tenant,
                            "AZURE_CLIENT_ID": arm.client_id, "AZURE_CLIENT_SECRET": arm.client_secret}.items():
            mp.setenv(name, value)
        yield


def run_scan(world: AzureWorld, rules: Sequence[Rule] = (), *, retries: int = 0) -> Run:
    out = world.work / f"report-{len(world.ran)}.json"
    proxy = world.proxy
    proxy.clear()
    proxy.reset_log()
    for rule in rules:
        proxy.add(rule)
    argv = ["scan", "azure", "--azure-auth", "client-secret", "--arm-endpoint", proxy.url,
            "--ca-bundle", str(world.bundle), "--subscription", PROD, "--subscription", DEV,
            "--timeout", str(TIMEOUT), "--retries", str(retries), "-o", f"json={out}"]
    from scanner import cli

    stderr = io.StringIO()
    began = time.monotonic()
    with azure_environment(world.arm), contextlib.redirect_stderr(stderr):
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
        except BaseException:  # a crash: keep its traceback for the assertion
            stderr.write(traceback.format_exc())
            code = -1
    seconds = time.monotonic() - began
    assert "Traceback" not in stderr.getvalue(), stderr.getvalue()
    proxy.clear()
    run = Run(code, stderr.getvalue(), load_report(out) if out.exists() else {}, proxy.log, seconds)
    world.ran.append(run)
    return run


@pytest.fixture(scope="module")
def clean(world: AzureWorld) -> Run:
    run = run_scan(world, retries=2)
    assert run.code == 0, run.doc.get("errors")
    return run


def _path(entry: Entry) -> str:
    return entry.path.split("?", 1)[0].lower()


def lost_input(lost: Sequence[Entry]) -> Callable[[dict[str, Any]], bool]:
    """Findings whose input a lost read was: the checks TYPE_CHECKS names for its type,
    on the resource it reads under (or the whole subscription for a listing)."""
    def hit(finding: dict[str, Any]) -> bool:
        for entry in lost:
            kind = entry.operation.removeprefix("GET ")
            if finding["check_id"] in TYPE_CHECKS.get(kind, set()) and finding["account"] == entry.account:
                resource = finding["resource_id"].lower()
                is_listing = _path(entry).count("/providers/") == 1 and "/resourcegroups/" not in _path(entry)
                if is_listing or _path(entry).startswith(resource + "/"):
                    return True
        return False

    return hit


# (a) one operation per kind, all in one scan ---------------------------------------------

BY_OPERATION = {
    "throttle": "Microsoft.KeyVault/vaults/keys",
    "server_error": "Microsoft.Sql/servers/databases/transparentDataEncryption",
    "reset": "Microsoft.Web/sites/config",
    "timeout": "Microsoft.Sql/servers/auditingSettings",
    "access_denied": "Microsoft.Network/networkSecurityGroups",
    "malformed": "Microsoft.Security/pricings",
    "truncated": "Microsoft.Sql/servers/firewallRules",
    "expired_token": "Microsoft.Insights/diagnosticSettings",
}


def test_one_operation_per_kind(world: AzureWorld, clean: Run) -> None:
    rules = [Rule(kind, operation=f"GET {kind_of}", seconds=HOLD) for kind, kind_of in BY_OPERATION.items()]
    run = run_scan(world, rules)
    lost = lost_calls(run.log)
    check_run(run, clean, lost_input(lost), same_place=same_place)
    assert {(e.fault, e.operation.removeprefix("GET ")) for e in lost} == set(BY_OPERATION.items())


def test_every_operation_can_be_lost(world: AzureWorld, clean: Run) -> None:
    operations = sorted({e.operation for e in clean.log})
    run = run_scan(world, [Rule("access_denied", operation=re.compile(
        "^(" + "|".join(re.escape(op) for op in operations[1::2]) + ")$"))])
    check_run(run, clean, lost_input(lost_calls(run.log)), same_place=same_place)


# (b) one provider namespace, (d) one subscription ------------------------------------------

SERVICE_ROUNDS = [
    {"throttle": "keyvault", "server_error": "sql", "reset": "web", "timeout": "network"},
    {"access_denied": "storage", "malformed": "sql", "truncated": "keyvault", "expired_token": "security"},
]


@pytest.mark.parametrize("round_", SERVICE_ROUNDS, ids=lambda r: "-".join(r))
def test_one_service_per_kind(world: AzureWorld, clean: Run, round_: dict[str, str]) -> None:
    # two kinds on one namespace would race for its reads: the second round uses others
    run = run_scan(world, [Rule(kind, service=service, seconds=HOLD) for kind, service in round_.items()])
    struck = {e.service for e in lost_calls(run.log)}
    assert struck == set(round_.values())
    check_run(run, clean, lambda f: any(f["check_id"].startswith(SERVICE_CHECKS[s]) for s in struck),
              same_place=same_place)


@pytest.mark.parametrize("kinds", [("throttle", "access_denied"), ("server_error", "malformed"),
                                   ("reset", "truncated"), ("timeout", "expired_token")], ids="-".join)
def test_one_subscription(world: AzureWorld, clean: Run, kinds: tuple[str, str]) -> None:
    run = run_scan(world, [Rule(kinds[0], account=PROD, seconds=HOLD), Rule(kinds[1], account=DEV, seconds=HOLD)])
    assert {e.account for e in lost_calls(run.log)} == {PROD, DEV}
    check_run(run, clean, lambda f: True, same_place=same_place)


# (e) a throttling storm, (f) a token that expires mid-scan ---------------------------------


def test_throttling_storm_is_absorbed_or_reported(world: AzureWorld, clean: Run) -> None:
    storm = Rule("throttle", rate=0.15, retry_after=0)
    run = run_scan(world, [storm], retries=3)
    assert storm.fired >= 3
    check_run(run, clean, lost_input(lost_calls(run.log)), absorbed_ok=True, same_place=same_place)


def test_storm_of_every_other_retryable_kind(world: AzureWorld, clean: Run) -> None:
    rules = [Rule(kind, rate=0.08, seconds=HOLD) for kind in ("server_error", "reset", "timeout")]
    run = run_scan(world, rules, retries=2)
    assert sum(r.fired for r in rules) >= 3
    check_run(run, clean, lost_input(lost_calls(run.log)), absorbed_ok=True, same_place=same_place)


def test_token_expires_mid_scan(world: AzureWorld, clean: Run) -> None:
    run = run_scan(world, [Rule("expired_token", after=len(clean.log) // 2)])
    lost = lost_calls(run.log)
    assert len(lost) >= len(clean.log) // 4
    check_run(run, clean, lost_input(lost), same_place=same_place)
