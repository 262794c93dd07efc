"""``skyscan demo`` over both clouds: the in-process AWS emulator and the in-process HTTPS
Resource Manager + Entra authority (scanner/demo/azure_server.py), scanned by the real
collectors and evaluated once into one report. The AWS part is asserted in
tests/test_scan_aws.py::test_demo_runs_a_real_scan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.reporting import load_report

ROOT = Path(__file__).resolve().parent.parent
SEED = json.loads((ROOT / "scanner" / "demo" / "azure.json").read_text())
SUB = SEED["subscription"]["id"]
PREFIX = f"/subscriptions/{SUB}/resourceGroups"
USER_SECRET = "users-own-secret-must-not-travel"  # stands in for a developer's real configuration


def demo(tmp: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    out = tmp / "demo.json"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "SKYSCAN_"))}
    proc = subprocess.run([sys.executable, "-m", "scanner", "demo", *args, "-o", "table", "-o", f"json={out}"],
                          text=True, capture_output=True, cwd=ROOT, env={**clean, **env, "PYTHONPATH": str(ROOT)},
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc, load_report(out)


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    return demo(tmp_path_factory.mktemp("demo"))


def by_check(doc: dict[str, Any], check_id: str, name: str) -> dict[str, Any]:
    """The one finding of ``check_id`` on the resource ``name`` (a container: "account/container")."""
    account, _, container = name.partition("/")
    (found,) = [f for f in doc["findings"] if f["check_id"] == check_id and f["resource_id"].startswith(PREFIX)
                and f["resource_id"].split("/")[8] == account and f["resource_id"].endswith(container)]
    return found


def test_one_report_covers_both_clouds(both: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    proc, doc = both
    assert doc["scan"]["providers"] == ["aws", "azure"]
    assert doc["scan"]["complete"] is True and doc["errors"] == []
    scopes = {(s["provider"], s["account"]): tuple(s["regions"]) for s in doc["scan"]["scopes"]}
    assert scopes[("azure", SUB)] == ("global", "northeurope", "westeurope")
    assert [p for p, _ in scopes] == ["aws", "azure"]
    assert {f["provider"] for f in doc["findings"]} == {"aws", "azure"}
    # one line per cloud saying what was started and seeded, then one table
    assert "started an AWS emulator" in proc.stderr and "started an Azure Resource Manager" in proc.stderr
    assert f"in subscription acme-production ({SUB}" in proc.stderr
    assert proc.stdout.count("Severity    Status") == 1


def test_the_unsafe_azure_resources_fail_with_subscription_and_location(
    both: tuple[subprocess.CompletedProcess[str], dict[str, Any]]
) -> None:
    _, doc = both
    expected = {
        ("azure_storage_container_public_access", "acmepublicassets/marketing-site"): ("westeurope", "critical"),
        ("azure_storage_account_min_tls", "acmelegacylogs"): ("northeurope", "medium"),
        ("azure_storage_account_secure_transfer", "acmelegacylogs"): ("northeurope", "high"),
        ("azure_network_nsg_rdp_open", "nsg-jumpbox"): ("westeurope", "high"),
        ("azure_keyvault_vault_purge_protection", "kv-acme-legacy"): ("westeurope", "medium"),
        ("azure_sql_server_firewall_open", "sql-acme-reporting"): ("northeurope", "high"),
        ("azure_sql_server_auditing_enabled", "sql-acme-reporting"): ("northeurope", "medium"),
        ("azure_appservice_site_https_only", "app-acme-portal"): ("westeurope", "medium"),
    }
    for (check_id, name), (region, severity) in expected.items():
        finding = by_check(doc, check_id, name)
        assert (finding["status"], finding["account"], finding["region"], finding["severity"]) == (
            "FAIL", SUB, region, severity), (check_id, name)
    assert [r["name"] for r in by_check(doc, "azure_network_nsg_rdp_open", "nsg-jumpbox")["details"]["open_rules"]] \
        == ["allow-rdp"]
    private = by_check(doc, "azure_storage_container_public_access", "acmepublicassets/internal-reports")
    assert private["status"] == "PASS"
    defender = [f for f in doc["findings"] if f["check_id"].startswith("azure_defender_plan_")]
    assert {f["check_id"]: f["status"] for f in defender} == {
        "azure_defender_plan_storage": "FAIL", "azure_defender_plan_servers": "PASS",
        "azure_defender_plan_sql": "PASS", "azure_defender_plan_keyvault": "PASS"}
    # the exposed container ranks at the top with the two public AWS buckets
    critical = [f for f in doc["findings"] if f["status"] == "FAIL" and f["severity"] == "critical"]
    assert {f["provider"] for f in critical} == {"aws", "azure"} and len(critical) == 3


def test_the_well_kept_azure_resources_only_pass(both: tuple[subprocess.CompletedProcess[str], dict[str, Any]]) -> None:
    _, doc = both
    for name in ("acmecustomerdata", "nsg-app", "kv-acme-prod"):
        on_it = [f for f in doc["findings"] if f["resource_id"].startswith(PREFIX) and f["resource_id"].split("/")[8]
                 == name]
        assert len(on_it) >= 5 and {f["status"] for f in on_it} == {"PASS"}, name
        assert {f["account"] for f in on_it} == {SUB}


def test_provider_azure_alone_ignores_the_users_azure_configuration(tmp_path: Path) -> None:
    # what a developer's shell may hold: none of it may reach, redirect or break the demo
    proc, doc = demo(tmp_path, "--provider", "azure", AZURE_TENANT_ID="99999999-9999-9999-9999-999999999999",
                     AZURE_CLIENT_ID="88888888-8888-8888-8888-888888888888", AZURE_CLIENT_SECRET=USER_SECRET,
                     AZURE_AUTHORITY_HOST="https://127.0.0.1:9", SKYSCAN_ARM_ENDPOINT="https://127.0.0.1:9",
                     SKYSCAN_BLOB_ENDPOINT="http://127.0.0.1:9/devstoreaccount1")
    assert doc["scan"]["providers"] == ["azure"] and doc["scan"]["complete"] is True and doc["errors"] == []
    assert [s["account"] for s in doc["scan"]["scopes"]] == [SUB]
    assert "AWS emulator" not in proc.stderr and "started an Azure Resource Manager" in proc.stderr
    assert by_check(doc, "azure_sql_server_firewall_open", "sql-acme-reporting")["status"] == "FAIL"
    assert USER_SECRET not in proc.stdout + proc.stderr + json.dumps(doc)
