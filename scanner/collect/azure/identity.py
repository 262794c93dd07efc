"""Azure sign-in: which cloud, which credential, and turning sign-in failures into one
clear line (never a secret).

azure-identity is imported inside the functions, so nothing Azure loads unless an Azure
scan starts.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from scanner.collect.base import SetupError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

AUTH_METHODS = ("default", "cli", "env", "client-secret", "managed-identity", "device-code")
AUTHORITY_HOST_VARIABLE = "AZURE_AUTHORITY_HOST"  # azure-identity's own variable
ARM_ENDPOINT_VARIABLE = "SKYSCAN_ARM_ENDPOINT"
CA_BUNDLE_VARIABLE = "SKYSCAN_CA_BUNDLE"


class AzureSetupError(SetupError):
    """Azure configuration or credentials that prevent any read (a usage error, exit 2)."""


@dataclass(frozen=True)
class AzureCloud:
    name: str
    resource_manager: str  # the ARM endpoint
    authority_host: str  # the Entra ID sign-in host
    scope: str  # the token scope for Resource Manager


CLOUDS: dict[str, AzureCloud] = {
    "public": AzureCloud(
        "public", "https://management.azure.com", "login.microsoftonline.com", "https://management.azure.com/.default"
    ),
    "usgov": AzureCloud(
        "usgov",
        "https://management.usgovcloudapi.net",
        "login.microsoftonline.us",
        "https://management.usgovcloudapi.net/.default",
    ),
    "china": AzureCloud(
        "china",
        "https://management.chinacloudapi.cn",
        "login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
    ),
}
KNOWN_AUTHORITY_HOSTS = frozenset(cloud.authority_host for cloud in CLOUDS.values())


@dataclass(frozen=True)
class AzureSettings:
    """Everything the CLI decided about reaching Azure."""

    auth: str = "default"
    tenant: str | None = None
    cloud: str = "public"
    arm_endpoint: str | None = None  # overrides the cloud's Resource Manager endpoint
    ca_bundle: str | None = None  # PEM file trusted for ARM and sign-in (a private CA, an emulator)
    subscriptions: tuple[str, ...] = ()  # empty: every subscription the identity can list

    @classmethod
    def from_options(
        cls,
        *,
        auth: str = "default",
        tenant: str | None = None,
        cloud: str = "public",
        arm_endpoint: str | None = None,
        ca_bundle: str | None = None,
        subscriptions: tuple[str, ...] = (),
    ) -> AzureSettings:
        """Settings from the CLI flags, with their environment fallbacks, checked:
        AzureSetupError naming the flag when one cannot be used."""
        arm = arm_endpoint or os.environ.get(ARM_ENDPOINT_VARIABLE) or None
        if arm is not None and not arm.lower().startswith("https://"):
            # azure-core refuses to send a bearer token over plain HTTP
            raise AzureSetupError(f"--arm-endpoint (or {ARM_ENDPOINT_VARIABLE}): expected an https:// URL, "
                                  f"got {redacted_url(arm)!r}")
        ca = ca_bundle or os.environ.get(CA_BUNDLE_VARIABLE) or None
        if ca is not None and not Path(ca).is_file():
            raise AzureSetupError(f"--ca-bundle (or {CA_BUNDLE_VARIABLE}): {ca}: no such file")
        if auth not in AUTH_METHODS:
            raise AzureSetupError(f"--azure-auth: unknown method {auth!r} (expected one of {', '.join(AUTH_METHODS)})")
        if cloud not in CLOUDS:
            raise AzureSetupError(f"--azure-cloud: unknown cloud {cloud!r} (expected one of {', '.join(CLOUDS)})")
        return cls(auth=auth, tenant=tenant, cloud=cloud, arm_endpoint=arm, ca_bundle=ca, subscriptions=subscriptions)

    @property
    def cloud_endpoints(self) -> AzureCloud:
        return CLOUDS[self.cloud]

    @property
    def resource_manager(self) -> str:
        return (self.arm_endpoint or self.cloud_endpoints.resource_manager).rstrip("/")

    def authority_host(self) -> str:
        """AZURE_AUTHORITY_HOST wins (as in azure-identity), then the cloud's host."""
        return os.environ.get(AUTHORITY_HOST_VARIABLE) or self.cloud_endpoints.authority_host


def _host_name(authority: str) -> str:
    return authority.split("://", 1)[-1].split("/", 1)[0].lower()


def build_credential(settings: AzureSettings) -> TokenCredential:
    """The credential ``--azure-auth`` names; AzureSetupError when it cannot be built."""
    import azure.identity as identity

    authority = settings.authority_host()
    common: dict[str, Any] = {"authority": authority}
    if settings.ca_bundle:
        common["connection_verify"] = settings.ca_bundle
    # MSAL validates unknown authorities against the public cloud's discovery endpoint;
    # a private authority (an emulator, Azure Stack) must skip that
    unknown_host = _host_name(authority) not in KNOWN_AUTHORITY_HOSTS
    tenant = settings.tenant or os.environ.get("AZURE_TENANT_ID")
    auth = settings.auth
    if auth == "client-secret":
        missing = [
            name
            for name, value in (
                ("AZURE_CLIENT_ID", os.environ.get("AZURE_CLIENT_ID")),
                ("AZURE_CLIENT_SECRET", os.environ.get("AZURE_CLIENT_SECRET")),
                ("AZURE_TENANT_ID (or --tenant)", tenant),
            )
            if not value
        ]
        if missing:
            raise AzureSetupError(f"--azure-auth client-secret needs {', '.join(missing)} in the environment")
        return identity.ClientSecretCredential(
            str(tenant),
            os.environ["AZURE_CLIENT_ID"],
            os.environ["AZURE_CLIENT_SECRET"],
            disable_instance_discovery=unknown_host,
            **common,
        )
    if auth == "env":
        return identity.EnvironmentCredential(disable_instance_discovery=unknown_host, **common)
    if auth == "cli":
        return identity.AzureCliCredential(tenant_id=settings.tenant or "")
    if auth == "managed-identity":
        # a user-assigned identity is chosen by AZURE_CLIENT_ID; without it, the system-assigned one
        client_id = os.environ.get("AZURE_CLIENT_ID")
        if client_id:
            return identity.ManagedIdentityCredential(client_id=client_id)
        return identity.ManagedIdentityCredential()
    if auth == "device-code":
        return identity.DeviceCodeCredential(
            tenant_id=tenant or "organizations",
            disable_instance_discovery=unknown_host,
            prompt_callback=_device_code_prompt,
            **common,
        )
    tenants: dict[str, Any] = {}
    if settings.tenant:
        tenants = {
            f"{name}_tenant_id": settings.tenant
            for name in ("interactive_browser", "workload_identity", "shared_cache", "visual_studio_code", "broker")
        }
    return identity.DefaultAzureCredential(**common, **tenants)


def _device_code_prompt(verification_uri: str, user_code: str, expires_on: Any) -> None:
    # stderr: standard output may be carrying a report
    print(f"skyscan: to sign in to Azure, open {verification_uri} and enter the code {user_code}", file=sys.stderr)


def check_credential(credential: TokenCredential, settings: AzureSettings) -> None:
    """Ask for one token now, so a bad credential stops the scan with one line and
    exit 2 instead of failing every read later."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError

    failed = f"Azure sign-in failed (--azure-auth {settings.auth})"
    try:
        credential.get_token(settings.cloud_endpoints.scope)
    except ClientAuthenticationError as exc:  # CredentialUnavailableError is a subclass
        raise AzureSetupError(f"{failed}: {safe_message(exc)}") from None
    except AzureError as exc:  # the authority could not be reached (network, TLS, --ca-bundle)
        raise AzureSetupError(
            f"{failed}: cannot reach the sign-in authority {redacted_url(settings.authority_host())} "
            f"({exc.__class__.__name__})"
        ) from None
    except ValueError as exc:  # azure-identity's answer to malformed tenant or client ids
        raise AzureSetupError(f"{failed}: {safe_message(exc)}") from None


def redacted_url(url: str) -> str:
    """A URL fit for a message: user info, query string (a SAS token) and fragment are
    replaced by ***, since any of them may carry a credential."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a malformed URL, not shown)"
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}" if "@" in parts.netloc else host, parts.path,
                       "***" if parts.query else "", "***" if parts.fragment else ""))


def safe_message(exc: BaseException) -> str:
    """The first line of an error, shortened, with any secret from the environment
    masked (a token endpoint may echo what it was sent)."""
    text = str(getattr(exc, "message", None) or exc).strip()
    first = text.splitlines()[0] if text else exc.__class__.__name__
    for name in ("AZURE_CLIENT_SECRET", "AZURE_PASSWORD", "AZURE_CLIENT_CERTIFICATE_PASSWORD"):
        secret = os.environ.get(name)
        if secret:
            first = first.replace(secret, "***")
    return first[:240]
