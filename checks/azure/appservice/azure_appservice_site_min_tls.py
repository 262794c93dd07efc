"""App Service site refuses TLS versions older than 1.2."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.appservice.defaults import RECOMMENDED_MIN_TLS, TLS_VERSIONS, min_tls
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_appservice import WebApp
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_appservice_site_min_tls",
    title="App Service site requires TLS 1.2 or later",
    severity=Severity.MEDIUM,
    provider="azure",
    service="appservice",
    requires=(WebApp.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "9.4"),),
    remediation="az webapp config set --name <app> --resource-group <group> --min-tls-version 1.2",
    references=("https://learn.microsoft.com/azure/app-service/overview-tls",),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for site in snap.resources(WebApp):
        if site.site_config is None:
            yield SPEC.error(site, "the site configuration could not be read")
            continue
        setting = min_tls(site.site_config)
        details = setting.details("min_tls_version")
        if setting.value not in TLS_VERSIONS:
            yield SPEC.error(site, f"unrecognised minTlsVersion {setting.value!r}", **details)
        elif TLS_VERSIONS.index(setting.value) >= TLS_VERSIONS.index(RECOMMENDED_MIN_TLS):
            yield SPEC.ok(site, f"minimum TLS version is {setting.value}", **details)
        else:
            yield SPEC.fail(site, f"TLS {setting.value} is accepted", **details)
