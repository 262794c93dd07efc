"""End to end: ``python -m scanner scan azure`` over two subscriptions holding safe and
unsafe network security groups, Key Vaults, SQL servers and App Service sites, with the
activity log and Defender plans set up in one and not the other (tests/azure_arm.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.azure_arm import ArmServer
from tests.reporting import load_report
from tests.test_scan_azure import live_args, run_skyscan

PROD = "0000aaaa-0000-0000-0000-000000000001"
DEV = "0000bbbb-0000-0000-0000-000000000002"
CORP_SSH = {"name": "corp-ssh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "10.0.0.0/8", "destinationAddressPrefix": "*", "destinationPortRange": "22"}
SAFE_VAULT = {"enableSoftDelete": True, "enablePurgeProtection": True, "enableRbacAuthorization": True,
              "publicNetworkAccess": "Disabled", "networkAcls": {"defaultAction": "Deny", "bypass": "AzureServices"},
              "privateEndpointConnections": [{"id": "/pec/1", "properties": {
                  "privateEndpoint": {"id": "/pe/1"}, "privateLinkServiceConnectionState": {"status": "Approved"}}}]}
ALL_CATEGORIES = [{"category": c, "enabled": True} for c in ("Administrative", "Security", "Policy", "Alert")]
PLANS = ("VirtualMachines", "StorageAccounts", "SqlServers", "KeyVaults")


def seed(arm: ArmServer) -> dict[str, str]:
    model = arm.model
    model.page_size = 2
    model.add_subscription(PROD, "prod")
    model.add_subscription(DEV, "dev")
    ids: dict[str, str] = {}
    # prod: everything safe but one group that opens SSH
    ids["nsg-safe"] = model.add_nsg(PROD, "nsg-safe", [CORP_SSH], location="westeurope")
    ids["nsg-ssh"] = model.add_nsg(PROD, "nsg-ssh", [
        {"name": "deny-rdp", "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*",
         "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "3389"},
        {"name": "ops", "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
         "sourceAddressPrefixes": ["Internet"], "destinationAddressPrefix": "*",
         "destinationPortRanges": ["22", "3389"]}], location="westeurope")
    model.add_network_watcher(PROD, "westeurope", [
        {"name": name, "targetResourceId": ids[name], "enabled": True,
         "retentionPolicy": {"days": 120, "enabled": True}} for name in ("nsg-safe", "nsg-ssh")])
    ids["kv-safe"] = model.add_key_vault(PROD, "kv-safe", SAFE_VAULT, keys={"cmk": {"exp": 1893456000}},
                                         secrets={"db": {"exp": 1893456000}})
    ids["sql-safe"] = model.add_sql_server(
        PROD, "sql-safe", {"minimalTlsVersion": "1.2", "publicNetworkAccess": "Disabled"},
        admins=[{"administratorType": "ActiveDirectory", "login": "dbas", "sid": "1"}],
        auditing={"state": "Enabled", "retentionDays": 0}, databases={"orders": "Enabled"})
    ids["site-safe"] = model.add_web_app(PROD, "site-safe", {"httpsOnly": True},
                                         {"minTlsVersion": "1.2", "ftpsState": "Disabled"})
    model.set_activity_log_settings(PROD, {"export": {"workspaceId": "/w/1", "logs": ALL_CATEGORIES}})
    model.set_pricings(PROD, dict.fromkeys(PLANS, "Standard"))
    # dev: everything unsafe, in eastus, where no Network Watcher runs
    ids["nsg-open"] = model.add_nsg(DEV, "nsg-open", [
        {"name": "any-any", "priority": 300, "direction": "Inbound", "access": "Allow", "protocol": "*",
         "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "*", "destinationPortRange": "*"}],
        location="eastus")
    ids["kv-weak"] = model.add_key_vault(DEV, "kv-weak", {"enableSoftDelete": False}, location="eastus",
                                         keys={"undated": {}}, secrets={"plain": {"enabled": True}})
    ids["sql-open"] = model.add_sql_server(DEV, "sql-open", {"minimalTlsVersion": "1.0"}, location="eastus",
                                           firewall={"all": ("0.0.0.0", "255.255.255.255")},
                                           databases={"plain": "Disabled"})
    ids["site-weak"] = model.add_web_app(DEV, "site-weak", {"httpsOnly": False},
                                         {"minTlsVersion": "1.0", "ftpsState": "AllAllowed"}, location="eastus")
    model.set_pricings(DEV, dict.fromkeys(PLANS, "Free"))
    return ids


def test_scan_reports_each_unsafe_resource_with_its_subscription_and_location(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed(arm)
    out = tmp_path / "services.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--fail-on", "high", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(out)
    assert doc["errors"] == [] and doc["scan"]["complete"] is True
    failed: dict[tuple[str, str], dict[str, Any]] = {
        (f["check_id"], f["resource_id"]): f for f in doc["findings"] if f["status"] == "FAIL"}

    expected = {
        ("azure_network_nsg_ssh_open", ids["nsg-ssh"]): (PROD, "westeurope"),
        ("azure_network_nsg_rdp_open", ids["nsg-open"]): (DEV, "eastus"),
        ("azure_network_nsg_ssh_open", ids["nsg-open"]): (DEV, "eastus"),
        ("azure_network_nsg_udp_open", ids["nsg-open"]): (DEV, "eastus"),
        ("azure_network_nsg_http_open", ids["nsg-open"]): (DEV, "eastus"),
        ("azure_network_nsg_flow_log_retention", ids["nsg-open"]): (DEV, "eastus"),
        ("azure_network_watcher_enabled", f"azure:{DEV}:eastus:azure.network.watcher"): (DEV, "eastus"),
        ("azure_keyvault_vault_soft_delete", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_vault_purge_protection", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_vault_rbac_authorization", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_vault_public_network_access", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_vault_private_endpoint", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_key_expiry", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_keyvault_secret_expiry", ids["kv-weak"]): (DEV, "eastus"),
        ("azure_sql_server_auditing_enabled", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_server_auditing_retention", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_server_firewall_open", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_server_entra_admin", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_server_min_tls", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_server_public_network_access", ids["sql-open"]): (DEV, "eastus"),
        ("azure_sql_database_tde_enabled", f"{ids['sql-open']}/databases/plain"): (DEV, "eastus"),
        ("azure_appservice_site_https_only", ids["site-weak"]): (DEV, "eastus"),
        ("azure_appservice_site_min_tls", ids["site-weak"]): (DEV, "eastus"),
        ("azure_appservice_site_ftp_disabled", ids["site-weak"]): (DEV, "eastus"),
        ("azure_monitor_activity_log_diagnostic_setting",
         f"/subscriptions/{DEV}/providers/Microsoft.Insights/diagnosticSettings"): (DEV, "global"),
        **{(f"azure_defender_plan_{plan}", f"/subscriptions/{DEV}/providers/Microsoft.Security/pricings"):
           (DEV, "global") for plan in ("servers", "storage", "sql", "keyvault")},
    }
    assert {key: (f["account"], f["region"]) for key, f in failed.items()} == expected

    # the priority-100 Deny shadows the RDP half of the prod rule; its SSH half is open
    ssh = failed[("azure_network_nsg_ssh_open", ids["nsg-ssh"])]
    assert [r["name"] for r in ssh["details"]["open_rules"]] == ["ops"]
    rdp_prod = next(f for f in doc["findings"]
                    if (f["check_id"], f["resource_id"]) == ("azure_network_nsg_rdp_open", ids["nsg-ssh"]))
    assert rdp_prod["status"] == "PASS" and rdp_prod["details"]["superseded_rules"] == ["ops"]
    assert failed[("azure_sql_server_firewall_open", ids["sql-open"])]["severity"] == "high"
    assert failed[("azure_keyvault_key_expiry", ids["kv-weak"])]["details"]["keys_without_expiry"] == ["undated"]

    # nothing but PASS on the safe resources, prod's subscription settings and its watcher
    for name in ("nsg-safe", "kv-safe", "sql-safe", "site-safe"):
        on_safe = [f for f in doc["findings"] if f["resource_id"].startswith(ids[name])]
        assert on_safe and {f["status"] for f in on_safe} == {"PASS"}, name
    prod_wide = [f for f in doc["findings"] if f["account"] == PROD and f["region"] in ("global", "westeurope")
                 and "nsg-ssh" not in f["resource_id"]]
    assert prod_wide and {f["status"] for f in prod_wide} == {"PASS"}

    # only GETs; each resource and child collection read once
    assert arm.methods() == {"GET"}
    calls = arm.calls()
    for path in (f"{ids['kv-weak']}/keys", f"{ids['sql-open']}/auditingSettings/default",
                 f"{ids['site-weak']}/config/web",
                 f"{ids['sql-open']}/databases/plain/transparentDataEncryption/current"):
        assert calls[path] == 1, path


def test_a_forbidden_service_in_one_subscription_is_an_error_and_the_rest_is_scanned(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    ids = seed(arm)
    arm.fail(f"/subscriptions/{DEV}/providers/Microsoft.Sql/servers", status=403, code="AuthorizationFailed")
    out = tmp_path / "r.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--services", "sql,keyvault",
                       "-o", f"json={out}")
    assert proc.returncode == 3, proc.stderr
    doc = load_report(out)
    assert {(e["account"], e["code"], e["resource_type"]) for e in doc["errors"]} == {
        (DEV, "AuthorizationFailed", "azure.sql.server"), (DEV, "AuthorizationFailed", "azure.sql.database")}
    dev_sql = [f for f in doc["findings"] if f["account"] == DEV and f["check_id"].startswith("azure_sql")]
    assert dev_sql and {f["status"] for f in dev_sql} == {"ERROR"}
    assert any(f["resource_id"] == ids["kv-weak"] and f["status"] == "FAIL" for f in doc["findings"])
    assert any(f["resource_id"] == ids["sql-safe"] and f["status"] == "PASS" for f in doc["findings"])
