"""Azure App Service records: sites (web, API and function apps) with their
``config/web`` settings.

As in ``azure.py``: a record-level ``None`` could not be read; inside a read object
``None`` means absent (platform default).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class SiteProperties:
    https_only: bool | None = None  # httpsOnly (absent: false)
    state: str | None = None  # Running, Stopped


@dataclass(frozen=True)
class SiteConfig:
    """``config/web`` properties."""

    min_tls_version: str | None = None  # "1.0", "1.1", "1.2", "1.3"
    ftps_state: str | None = None  # AllAllowed, FtpsOnly or Disabled


@dataclass(frozen=True, kw_only=True)
class WebApp(Resource):
    TYPE: ClassVar[str] = "azure.appservice.site"
    PROVIDER: ClassVar[str] = "azure"

    resource_group: str
    kind: str | None = None  # app, app,linux, functionapp, ...
    properties: SiteProperties | None = None
    site_config: SiteConfig | None = None  # None: config/web could not be read


APPSERVICE_RESOURCE_TYPES: tuple[type[Resource], ...] = (WebApp,)
