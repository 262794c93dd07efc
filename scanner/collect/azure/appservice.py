"""Azure App Service sites (web, API and function apps).

Per subscription: one paged ``GET .../providers/Microsoft.Web/sites``; the listing's
``siteConfig`` is not reliable (most of its fields come back null), so per site (in
``ctx.pool``) one ``GET {site}/config/web``.
"""

from __future__ import annotations

from typing import Any

from scanner.collect.azure.arm import API_VERSIONS
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.reads import (
    UnexpectedShape,
    boolean,
    identity,
    list_scope,
    obj,
    read_child,
    record_failure,
    resource_group_of,
    string,
    tags,
)
from scanner.collect.base import Call, CollectorSpec, CollectResult
from scanner.resources.azure_appservice import SiteConfig, SiteProperties, WebApp

SERVICE = "appservice"
SITES_API = API_VERSIONS["Microsoft.Web/sites"]
CONFIG_API = API_VERSIONS["Microsoft.Web/sites/config"]


def collect(ctx: AzureContext, result: CollectResult) -> None:
    sites = list_scope(ctx, result, f"{ctx.subscription_path}/providers/Microsoft.Web/sites", SITES_API,
                       service=SERVICE, operation="WebApps_List", resource_types=(WebApp.TYPE,))
    if sites is not None:
        ctx.pool.run(lambda item: _add_site(ctx, result, item), sites)


def _add_site(ctx: AzureContext, result: CollectResult, item: dict[str, Any]) -> None:
    try:
        site_id, name, location = identity(item, "site")
    except UnexpectedShape as exc:
        record_failure(ctx, result, exc, service=SERVICE, operation="WebApps_List", resource_type=WebApp.TYPE)
        return
    properties: SiteProperties | None
    try:
        props = obj(item.get("properties"), "properties")
        properties = SiteProperties(https_only=boolean(props, "httpsOnly"), state=string(props, "state"))
    except UnexpectedShape as exc:
        properties = None
        record_failure(ctx, result, exc, service=SERVICE, operation="WebApps_List", resource_type=WebApp.TYPE,
                       resource_id=site_id, region=location)
    config = read_child(ctx, result, lambda: site_config(ctx.reader.get(f"{site_id}/config/web", CONFIG_API)),
                        service=SERVICE, operation="WebApps_GetConfiguration", resource_type=WebApp.TYPE,
                        resource_id=site_id, region=location)
    kind = item.get("kind")
    result.add(WebApp(
        account=ctx.subscription_id, region=location, resource_id=site_id, name=name, tags=tags(item.get("tags")),
        resource_group=resource_group_of(site_id), kind=kind if isinstance(kind, str) else None,
        properties=properties, site_config=config,
    ))


def site_config(raw: dict[str, Any]) -> SiteConfig:
    props = obj(raw.get("properties"), "config properties")
    return SiteConfig(min_tls_version=string(props, "minTlsVersion"), ftps_state=string(props, "ftpsState"))


COLLECTOR = CollectorSpec(
    name="azure.appservice",
    provider="azure",
    produces=(WebApp.TYPE,),
    permissions=("Microsoft.Web/sites/read", "Microsoft.Web/sites/config/read"),
    collect=collect,
    record_types=(WebApp,),
    calls=(
        Call("Microsoft.Web", "sites", pages=True),
        Call("Microsoft.Web", "sites/config", WebApp.TYPE),
    ),
)
