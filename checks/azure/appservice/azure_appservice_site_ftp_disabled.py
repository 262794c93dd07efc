"""App Service site does not accept plain FTP deployments."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.appservice.defaults import FTP_OFF, ftps_state
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_appservice import WebApp
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_appservice_site_ftp_disabled",
    title="App Service site disables plain FTP",
    severity=Severity.MEDIUM,
    provider="azure",
    service="appservice",
    requires=(WebApp.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "9.3"),),
    remediation="az webapp config set --name <app> --resource-group <group> --ftps-state Disabled",
    references=("https://learn.microsoft.com/azure/app-service/deploy-ftp#enforce-ftps",),
    description="Plain FTP sends deployment credentials and code in clear text; FtpsOnly or Disabled pass.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for site in snap.resources(WebApp):
        if site.site_config is None:
            yield SPEC.error(site, "the site configuration could not be read")
            continue
        setting = ftps_state(site.site_config)
        if setting.value.lower() in FTP_OFF:
            yield SPEC.ok(site, f"FTP state is {setting.value}", **setting.details("ftps_state"))
        else:
            yield SPEC.fail(site, f"FTP state is {setting.value}: plain FTP is accepted",
                            **setting.details("ftps_state"))
