"""The Azure SQL collector against the local HTTPS Resource Manager: servers, their
Entra administrators, auditing policy, firewall rules, databases and TDE state."""

from __future__ import annotations

from collections.abc import Callable

from scanner import runner
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.sql import COLLECTOR
from scanner.resources.azure_sql import (
    SqlAdministrator,
    SqlAuditing,
    SqlDatabase,
    SqlFirewallRule,
    SqlServer,
    SqlServerProperties,
)
from scanner.snapshot import Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "0000000a-0000-0000-0000-00000000000a"
SUB_B = "0000000b-0000-0000-0000-00000000000b"
SERVERS = "/providers/Microsoft.Sql/servers"


def collect(contexts: list[AzureContext]) -> Snapshot:
    return runner.collect([(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts], [COLLECTOR])


def test_server_and_databases_field_by_field(arm: ArmServer, open_azure: Callable[..., list[AzureContext]]) -> None:
    arm.model.add_subscription(SUB_A)
    server = arm.model.add_sql_server(
        SUB_A, "sql-prod", {"minimalTlsVersion": "1.2", "publicNetworkAccess": "Disabled"}, location="northeurope",
        admins=[{"administratorType": "ActiveDirectory", "login": "dba-group", "sid": "1234",
                 "tenantId": "t", "azureADOnlyAuthentication": True}],
        auditing={"state": "Enabled", "retentionDays": 120, "storageEndpoint": "https://logs.blob.core.windows.net/",
                  "isAzureMonitorTargetEnabled": True},
        firewall={"office": ("203.0.113.1", "203.0.113.9"), "AllowAllWindowsAzureIps": ("0.0.0.0", "0.0.0.0")},
        databases={"orders": "Enabled", "legacy": "Disabled"},
    )

    snap = collect(open_azure())

    assert snap.errors == ()
    assert snap.resources(SqlServer) == (SqlServer(
        account=SUB_A, region="northeurope", resource_id=server, name="sql-prod", tags={}, resource_group="rg-sql",
        properties=SqlServerProperties("1.2", "Disabled", "Ready"),
        administrators=(SqlAdministrator("ActiveDirectory", "dba-group", "1234"),),
        auditing=SqlAuditing("Enabled", 120, "https://logs.blob.core.windows.net/", True),
        firewall_rules=(SqlFirewallRule("office", "203.0.113.1", "203.0.113.9"),
                        SqlFirewallRule("AllowAllWindowsAzureIps", "0.0.0.0", "0.0.0.0")),
        database_count=2,
    ),)
    databases = {d.name: d for d in snap.resources(SqlDatabase)}
    assert sorted(databases) == ["legacy", "orders"]  # master is neither recorded nor read
    assert databases["legacy"] == SqlDatabase(
        account=SUB_A, region="northeurope", resource_id=f"{server}/databases/legacy", name="legacy", tags={},
        server_id=server, resource_group="rg-sql", tde_state="Disabled")
    calls = arm.calls()
    for path in ("/administrators", "/auditingSettings/default", "/firewallRules", "/databases",
                 "/databases/orders/transparentDataEncryption/current"):
        assert calls[f"{server}{path}"] == 1, path
    assert f"{server}/databases/master/transparentDataEncryption/current" not in calls
    assert arm.methods() == {"GET"}


def test_forbidden_subscription_paging_and_per_server_failures(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    for sub in (SUB_A, SUB_B):
        arm.model.add_subscription(sub)
    for index in range(3):
        arm.model.add_sql_server(SUB_A, f"sql{index}", {}, databases={f"db{n}": "Enabled" for n in range(3)})
    arm.model.add_sql_server(SUB_B, "hidden", {})
    broken = arm.model.add_sql_server(SUB_A, "broken", {}, databases={"x": "Enabled"})
    arm.fail(f"/subscriptions/{SUB_B}{SERVERS}", status=403, code="AuthorizationFailed")
    arm.fail("broken/auditingSettings/default$", status=403, code="AuthorizationFailed")
    arm.fail("broken/databases/x/transparentDataEncryption", status=404, code="ResourceNotFound")

    snap = collect(open_azure())

    servers = {s.name: s for s in snap.resources(SqlServer)}
    assert sorted(servers) == ["broken", "sql0", "sql1", "sql2"]
    assert servers["broken"].auditing is None and servers["broken"].firewall_rules == ()
    assert len(snap.resources(SqlDatabase)) == 10
    assert [d.tde_state for d in snap.resources(SqlDatabase) if d.server_id == broken] == [None]
    assert {(e.account, e.operation, e.code, e.resource_type, e.resource_id) for e in snap.errors} == {
        (SUB_B, "Servers_List", "AuthorizationFailed", "azure.sql.server", None),
        (SUB_B, "Servers_List", "AuthorizationFailed", "azure.sql.database", None),
        (SUB_A, "ServerBlobAuditingPolicies_Get", "AuthorizationFailed", "azure.sql.server", broken),
        (SUB_A, "TransparentDataEncryptions_Get", "ResourceNotFound", "azure.sql.database",
         f"{broken}/databases/x"),
    }
    assert arm.calls()[f"/subscriptions/{SUB_A}{SERVERS}"] == 2
    assert arm.methods() == {"GET"}
