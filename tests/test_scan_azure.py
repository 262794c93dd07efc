"""End to end: ``python -m scanner scan azure`` against the local HTTPS Resource Manager
and Entra authority (tests/azure_arm.py), signing in with the real ClientSecretCredential."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.azure_arm import ArmServer
from tests.reporting import load_report

ROOT = Path(__file__).resolve().parent.parent
PROD = "0000aaaa-0000-0000-0000-000000000001"
DEV = "0000bbbb-0000-0000-0000-000000000002"

HARDENED: dict[str, Any] = {
    "creationTime": "2024-06-01T00:00:00Z",
    "allowBlobPublicAccess": False,
    "minimumTlsVersion": "TLS1_2",
    "supportsHttpsTrafficOnly": True,
    "allowSharedKeyAccess": False,
    "publicNetworkAccess": "Disabled",
    "allowCrossTenantReplication": False,
    "networkAcls": {"bypass": "AzureServices", "defaultAction": "Deny", "ipRules": [], "virtualNetworkRules": []},
    "privateEndpointConnections": [{"id": "/pec/1", "properties": {
        "privateEndpoint": {"id": "/pe/1"}, "privateLinkServiceConnectionState": {"status": "Approved"}}}],
    "encryption": {"keySource": "Microsoft.Keyvault", "requireInfrastructureEncryption": True,
                   "keyvaultproperties": {"keyvaulturi": "https://kv.vault.azure.net", "keyname": "k"}},
    "keyPolicy": {"keyExpirationPeriodInDays": 60},
    "sasPolicy": {"sasExpirationPeriod": "0.01:00:00", "expirationAction": "Block"},
}
HARDENED_BLOB = {
    "deleteRetentionPolicy": {"enabled": True, "days": 30},
    "containerDeleteRetentionPolicy": {"enabled": True, "days": 30},
    "isVersioningEnabled": True,
}
OPEN = {
    "creationTime": "2021-03-01T00:00:00Z",
    "allowBlobPublicAccess": True,
    "minimumTlsVersion": "TLS1_0",
    "supportsHttpsTrafficOnly": False,
    "allowSharedKeyAccess": True,
    "publicNetworkAccess": "Enabled",
    "allowCrossTenantReplication": True,
    "networkAcls": {"bypass": "None", "defaultAction": "Allow", "ipRules": [], "virtualNetworkRules": []},
}


def seed_tenant(arm: ArmServer) -> dict[str, str]:
    """Two subscriptions, each with a safe account and unsafe ones; returns name -> id."""
    model = arm.model
    model.page_size = 2  # the subscription and account listings page
    model.add_subscription(PROD, "prod")
    model.add_subscription(DEV, "dev")
    ids = {
        "safeprod": model.add_storage_account(PROD, "safeprod", location="northeurope", properties=HARDENED,
                                              blob_service=HARDENED_BLOB, containers={"private": "None"}),
        "openprod": model.add_storage_account(
            PROD, "openprod", location="westeurope", properties=OPEN,
            containers={"site": "Container", "downloads": "Blob", "internal": "None"},
        ),
        "safedev": model.add_storage_account(DEV, "safedev", location="eastus", properties=HARDENED,
                                             blob_service=HARDENED_BLOB, containers={"data": None}),
        # never configured, created before the secure defaults: the permissive defaults apply
        "legacydev": model.add_storage_account(DEV, "legacydev", location="eastus2",
                                               properties={"creationTime": "2020-01-01T00:00:00Z"},
                                               containers={"legacy": "Container"}),
        "lockeddev": model.add_storage_account(DEV, "lockeddev", location="eastus2",
                                               properties={**HARDENED, "allowBlobPublicAccess": False},
                                               blob_service=HARDENED_BLOB, containers={"latent": "Container"}),
    }
    return ids


def run_skyscan(arm: ArmServer, azure_env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **azure_env, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)


def live_args(arm: ArmServer) -> list[str]:
    return ["--azure-auth", "client-secret", "--arm-endpoint", arm.url, "--ca-bundle", str(arm.ca_path)]


def test_scan_ranks_unsafe_accounts_and_containers_and_nothing_on_safe_ones(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_tenant(arm)
    out = tmp_path / "azure.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--services", "storage",
                       "--fail-on", "critical", "-o", f"json={out}", "-o", "table")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(out)
    findings = doc["findings"]
    assert doc["errors"] == [] and doc["scan"]["complete"] is True
    assert doc["scan"]["providers"] == ["azure"]
    assert {(s["account"], tuple(s["regions"])) for s in doc["scan"]["scopes"]} == {
        (PROD, ("northeurope", "westeurope")), (DEV, ("eastus", "eastus2")),
    }

    failed = {(f["check_id"], f["resource_id"]): f for f in findings if f["status"] == "FAIL"}
    container = f"{ids['openprod']}/blobServices/default/containers"
    critical = sorted((f["check_id"], f["resource_id"]) for f in failed.values() if f["severity"] == "critical")
    assert critical == sorted([
        ("azure_storage_container_public_access", f"{container}/site"),
        ("azure_storage_container_public_access", f"{ids['legacydev']}/blobServices/default/containers/legacy"),
    ])
    # the two internet-exposed containers rank first, in the JSON and the table
    assert sorted((f["check_id"], f["resource_id"]) for f in findings[:2]) == critical
    table_rows = [line for line in proc.stdout.splitlines() if line.startswith("CRITICAL") and " FAIL " in line]
    assert len(table_rows) == 2 and all("azure_storage_container_public_access" in row for row in table_rows)

    site = failed[("azure_storage_container_public_access", f"{container}/site")]
    assert (site["account"], site["region"], site["provider"]) == (PROD, "westeurope", "azure")
    assert site["details"]["effective"] is True and site["details"]["public_access"] == "Container"
    downloads = failed[("azure_storage_container_public_access", f"{container}/downloads")]
    assert downloads["severity"] == "high"
    legacy = failed[("azure_storage_container_public_access",
                     f"{ids['legacydev']}/blobServices/default/containers/legacy")]
    assert (legacy["account"], legacy["region"]) == (DEV, "eastus2")
    assert legacy["details"]["defaults_applied"] and legacy["details"]["account_allows_anonymous"] is True
    latent = failed[("azure_storage_container_public_access",
                     f"{ids['lockeddev']}/blobServices/default/containers/latent")]
    assert (latent["severity"], latent["details"]["effective"]) == ("low", False)

    for check in ("azure_storage_account_secure_transfer", "azure_storage_account_min_tls",
                  "azure_storage_account_blob_public_access", "azure_storage_account_shared_key_access",
                  "azure_storage_account_network_default_deny", "azure_storage_account_cross_tenant_replication"):
        finding = failed[(check, ids["openprod"])]
        assert (finding["account"], finding["region"]) == (PROD, "westeurope"), check
    legacy_public = failed[("azure_storage_account_blob_public_access", ids["legacydev"])]
    assert (legacy_public["details"]["source"], legacy_public["account"]) == ("default", DEV)
    assert failed[("azure_storage_account_min_tls", ids["legacydev"])]["details"]["minimum_tls_version"] == "TLS1_0"

    # nothing at all on the safe accounts or their containers
    for name in ("safeprod", "safedev"):
        on_safe = [f for f in findings if f["resource_id"].startswith(ids[name])]
        assert on_safe and all(f["status"] == "PASS" for f in on_safe), name
    assert arm.methods() == {"GET"}


def test_collect_then_offline_scan_equals_live_scan(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    seed_tenant(arm)
    live, offline, snap = tmp_path / "live.json", tmp_path / "offline.json", tmp_path / "snap.json"
    assert run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "-o", f"json={live}").returncode == 0
    proc = run_skyscan(arm, azure_env, "collect", "azure", *live_args(arm), "--save", str(snap))
    assert proc.returncode == 0, proc.stderr
    proc = run_skyscan(arm, {}, "scan", "--snapshot", str(snap), "-o", f"json={offline}")
    assert proc.returncode == 0, proc.stderr

    def verdicts(path: Path) -> list[tuple[str, str, str]]:
        return [(f["fingerprint"], f["status"], f["severity"]) for f in load_report(path)["findings"]]

    assert verdicts(live) == verdicts(offline)
    assert len(verdicts(live)) > 80


def test_one_forbidden_subscription_is_reported_and_the_other_scanned(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed_tenant(arm)
    arm.fail(f"/subscriptions/{DEV}/providers/Microsoft.Storage/storageAccounts", status=403,
             code="AuthorizationFailed")
    out = tmp_path / "r.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--services", "storage", "-o", f"json={out}")
    assert proc.returncode == 3, proc.stderr  # incomplete
    doc = load_report(out)
    assert {(e["account"], e["code"], e["resource_type"]) for e in doc["errors"]} == {
        (DEV, "AuthorizationFailed", "azure.storage.account"),
        (DEV, "AuthorizationFailed", "azure.storage.container"),
    }
    dev_findings = [f for f in doc["findings"] if f["account"] == DEV]
    assert dev_findings and {f["status"] for f in dev_findings} == {"ERROR"}
    assert any(f["resource_id"] == ids["openprod"] and f["status"] == "FAIL" for f in doc["findings"])


def test_named_subscription_only(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    seed_tenant(arm)
    out = tmp_path / "r.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--subscription", DEV.upper(),
                       "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    assert {f["account"] for f in load_report(out)["findings"]} == {DEV}
    assert "/subscriptions" not in arm.calls()


def test_wrong_secret_is_one_line_and_exit_2(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    seed_tenant(arm)
    out = tmp_path / "r.json"
    env = {**azure_env, "AZURE_CLIENT_SECRET": "wrong-secret-7f3a"}
    proc = run_skyscan(arm, env, "scan", "azure", *live_args(arm), "-o", f"json={out}")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("skyscan: error:"), proc.stderr
    assert "client-secret" in lines[0] and "wrong-secret-7f3a" not in proc.stderr + proc.stdout
    assert not out.exists() and arm.requests == []


def test_environment_credential_signs_in_too(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    seed_tenant(arm)
    out = tmp_path / "r.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", "--azure-auth", "env", "--arm-endpoint", arm.url,
                       "--ca-bundle", str(arm.ca_path), "--subscription", PROD, "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    assert {f["account"] for f in load_report(out)["findings"]} == {PROD}
    assert arm.token_requests == 1


def test_environment_endpoint_and_ca_bundle(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    seed_tenant(arm)
    out = tmp_path / "r.json"
    env = {**azure_env, "SKYSCAN_ARM_ENDPOINT": arm.url, "SKYSCAN_CA_BUNDLE": str(arm.ca_path)}
    proc = run_skyscan(arm, env, "scan", "azure", "--azure-auth", "client-secret",
                       "--checks", "azure_storage_container_public*", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    assert {f["check_id"] for f in load_report(out)["findings"]} == {"azure_storage_container_public_access"}


def test_bad_azure_flags_are_one_line_and_exit_2(arm: ArmServer, azure_env: dict[str, str], tmp_path: Path) -> None:
    cases = [
        (["--subscription", "not-a-guid"], "--subscription"),
        (["--arm-endpoint", "http://127.0.0.1:1"], "--arm-endpoint"),
        (["--arm-endpoint", arm.url, "--ca-bundle", str(tmp_path / "missing.pem")], "--ca-bundle"),
        (["--azure-cloud", "moon"], "--azure-cloud"),
    ]
    for extra, flag in cases:
        proc = run_skyscan(arm, azure_env, "scan", "azure", "--azure-auth", "client-secret", *extra)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and flag in proc.stderr, (extra, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_untrusted_certificate_is_a_setup_error(arm: ArmServer, azure_env: dict[str, str]) -> None:
    # without --ca-bundle the test CA is unknown: sign-in cannot reach the authority
    env = {**azure_env, "REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}
    proc = run_skyscan(arm, env, "scan", "azure", "--azure-auth", "client-secret", "--arm-endpoint", arm.url)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "sign-in" in proc.stderr


def test_version_and_aws_scans_do_not_import_azure(tmp_path: Path) -> None:
    fixture = ROOT / "fixtures" / "checks" / "aws_s3_bucket_settings.json"
    snapshot = tmp_path / "aws-snap.json"
    snapshot.write_text(json.dumps({"kind": "skyscan-snapshot", "schema_version": 1,
                                    **json.loads(fixture.read_text())["snapshot"]}))
    code = (
        "import sys\n"
        "from scanner.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m == 'azure' or m.startswith('azure.'))\n"
        "print('AZURE-MODULES', loaded)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["--version"], ["scan", "--snapshot", str(snapshot), "-o", f"json={tmp_path / 'r.json'}"]):
        proc = subprocess.run([sys.executable, "-c", code, *args], text=True, capture_output=True, cwd=ROOT,
                              env=env, timeout=120)
        assert "AZURE-MODULES []" in proc.stdout, (args, proc.stdout, proc.stderr)


def test_client_secret_without_its_variables_names_them(arm: ArmServer, azure_env: dict[str, str]) -> None:
    env = {name: value for name, value in azure_env.items() if name != "AZURE_CLIENT_SECRET"}
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}, **env, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "azure", *live_args(arm)], text=True,
                          capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 2
    assert "AZURE_CLIENT_SECRET" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_cloud_choice_sets_endpoint_authority_and_scope(monkeypatch: Any) -> None:
    from scanner.collect.azure.identity import AzureSettings

    monkeypatch.delenv("AZURE_AUTHORITY_HOST", raising=False)
    monkeypatch.delenv("SKYSCAN_ARM_ENDPOINT", raising=False)
    china = AzureSettings.from_options(cloud="china")
    assert (china.resource_manager, china.authority_host(), china.cloud_endpoints.scope) == (
        "https://management.chinacloudapi.cn", "login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"
    )
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.example.test")
    monkeypatch.setenv("SKYSCAN_ARM_ENDPOINT", "https://arm.example.test/")
    usgov = AzureSettings.from_options(cloud="usgov")
    # the overrides win for the hosts; the token scope stays the cloud's
    assert (usgov.resource_manager, usgov.authority_host(), usgov.cloud_endpoints.scope) == (
        "https://arm.example.test", "https://login.example.test", "https://management.usgovcloudapi.net/.default"
    )
