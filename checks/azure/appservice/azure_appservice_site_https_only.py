"""App Service site redirects HTTP to HTTPS."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.appservice.defaults import https_only
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_appservice import WebApp
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_appservice_site_https_only",
    title="App Service site accepts HTTPS only",
    severity=Severity.MEDIUM,
    provider="azure",
    service="appservice",
    requires=(WebApp.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "9.1"),),
    remediation="az webapp update --name <app> --resource-group <group> --https-only true",
    references=("https://learn.microsoft.com/azure/app-service/configure-ssl-bindings#enforce-https",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for site in snap.resources(WebApp):
        if site.properties is None:
            yield SPEC.error(site, "site properties could not be read")
            continue
        setting = https_only(site.properties)
        if setting.value:
            yield SPEC.ok(site, "HTTP is redirected to HTTPS", **setting.details("https_only"))
        else:
            yield SPEC.fail(site, "the site serves plain HTTP", **setting.details("https_only"))
