"""The App Service collector against the local HTTPS Resource Manager: sites from the
subscription listing, their settings from one ``config/web`` read each."""

from __future__ import annotations

from collections.abc import Callable

from scanner import runner
from scanner.collect.azure.appservice import COLLECTOR
from scanner.collect.azure.context import AzureContext
from scanner.resources.azure_appservice import SiteConfig, SiteProperties, WebApp
from scanner.snapshot import Scope, Snapshot
from tests.azure_arm import ArmServer

SUB_A = "0000000a-0000-0000-0000-00000000000a"
SUB_B = "0000000b-0000-0000-0000-00000000000b"
SITES = "/providers/Microsoft.Web/sites"


def collect(contexts: list[AzureContext]) -> Snapshot:
    return runner.collect([(ctx, Scope("azure", ctx.subscription_id, ())) for ctx in contexts], [COLLECTOR])


def test_sites_field_by_field_paging_and_a_forbidden_subscription(
    arm: ArmServer, open_azure: Callable[..., list[AzureContext]]
) -> None:
    arm.model.page_size = 2
    for sub in (SUB_A, SUB_B):
        arm.model.add_subscription(sub)
    shop = arm.model.add_web_app(SUB_A, "shop", {"httpsOnly": True}, {"minTlsVersion": "1.2", "ftpsState": "Disabled"},
                                 location="northeurope", kind="app,linux")
    legacy = arm.model.add_web_app(SUB_A, "legacy", {}, {})
    for index in range(3):
        arm.model.add_web_app(SUB_A, f"fn{index}", {"httpsOnly": False}, {"minTlsVersion": "1.0"}, kind="functionapp")
    arm.model.add_web_app(SUB_B, "hidden", {}, {})
    arm.fail(f"/subscriptions/{SUB_B}{SITES}", status=403, code="AuthorizationFailed")
    arm.fail("fn2/config/web$", status=500, code="InternalServerError")

    snap = collect(open_azure(retry_total=0))

    sites = {s.name: s for s in snap.resources(WebApp)}
    assert sorted(sites) == ["fn0", "fn1", "fn2", "legacy", "shop"]
    assert sites["shop"] == WebApp(account=SUB_A, region="northeurope", resource_id=shop, name="shop", tags={},
                                   resource_group="rg-web", kind="app,linux",
                                   properties=SiteProperties(True, "Running"),
                                   site_config=SiteConfig("1.2", "Disabled"))
    assert sites["legacy"].properties == SiteProperties(None, "Running") and sites["legacy"].site_config == SiteConfig()
    assert sites["fn0"].site_config == SiteConfig("1.0", None) and sites["fn2"].site_config is None
    assert {(e.account, e.operation, e.code, e.resource_id) for e in snap.errors} == {
        (SUB_B, "WebApps_List", "AuthorizationFailed", None),
        (SUB_A, "WebApps_GetConfiguration", "InternalServerError", sites["fn2"].resource_id),
    }
    calls = arm.calls()
    assert calls[f"/subscriptions/{SUB_A}{SITES}"] == 3
    assert calls[f"{shop}/config/web"] == 1 and calls[f"{legacy}/config/web"] == 1
    assert arm.methods() == {"GET"}
