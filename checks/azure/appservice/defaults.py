"""What an App Service site does when Resource Manager leaves a property out
(Microsoft.Web, api-version 2023-12-01):

* ``httpsOnly``: unset means false (plain HTTP is served).
* ``minTlsVersion``: unset means 1.2, the platform minimum for apps since 2018.
* ``ftpsState``: unset means AllAllowed (plain FTP and FTPS).
"""

from __future__ import annotations

from checks.azure.storage.defaults import Effective
from scanner.resources.azure_appservice import SiteConfig, SiteProperties

TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
RECOMMENDED_MIN_TLS = "1.2"
FTP_OFF = frozenset({"disabled", "ftpsonly"})


def https_only(props: SiteProperties) -> Effective[bool]:
    if props.https_only is not None:
        return Effective(props.https_only)
    return Effective(False, "httpsOnly unset: false")


def min_tls(config: SiteConfig) -> Effective[str]:
    if config.min_tls_version is not None:
        return Effective(config.min_tls_version)
    return Effective("1.2", "minTlsVersion unset: 1.2")


def ftps_state(config: SiteConfig) -> Effective[str]:
    if config.ftps_state is not None:
        return Effective(config.ftps_state)
    return Effective("AllAllowed", "ftpsState unset: AllAllowed")
