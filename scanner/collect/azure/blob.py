"""The Azure Storage blob data plane (azure-storage-blob), read per storage account.

Opt-in (``--blob-data-plane``, implied by ``--probe-anonymous`` and ``--blob-endpoint``):
the storage collector lists accounts through Resource Manager once and, for each account
with a blob service, calls ``read_data_plane`` here with what it already read. Per
account: one paged List Containers and one Get Blob Service Properties (both GETs),
recorded as a ``BlobDataPlane``. With ``--probe-anonymous``, each container whose
settings let anonymous requests through (``checks/azure/storage/exposure.py`` decides)
gets ONE request without any credential; its HTTP status is recorded on the container
as evidence. Blob content is never downloaded.

* Endpoint: the account's ``primaryEndpoints.blob``, or the ``--blob-endpoint`` override
  (``SKYSCAN_BLOB_ENDPOINT``): a URL with no path serves every account path-style
  (``http://127.0.0.1:10000`` -> ``.../<account>``, as Azurite does); a URL whose last
  path segment names an account serves only that account.
* Credential: the same azure-identity credential as Resource Manager, with the storage
  token scope. For an emulator, and only for the override endpoint, a Shared Key from
  ``SKYSCAN_BLOB_SHARED_KEY`` (environment only: never a flag, never printed); plain
  HTTP needs it, because azure-core never sends a bearer token without TLS.
* Every client's transport refuses any method but GET and HEAD (``ReadOnlyTransport``),
  so retries and SDK-internal requests are guarded too. Retries are bounded and short:
  an unreachable endpoint fails in seconds, as a typed CollectionError.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.transport import RequestsTransport

from scanner.collect.azure.arm import READ_METHODS, WriteRefused
from scanner.collect.azure.context import AzureContext
from scanner.collect.azure.identity import AzureSetupError, redacted_url
from scanner.collect.base import CollectResult
from scanner.resources.azure import (
    AnonymousProbe,
    BlobContainer,
    BlobDataPlane,
    BlobLogging,
    BlobServiceSettings,
    DataPlaneContainer,
    RetentionPolicy,
    StorageAccountProperties,
)
from scanner.snapshot import CollectionError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.storage.blob import BlobServiceClient, ContainerClient

# Azure Storage's token audience is the same in every cloud
STORAGE_SCOPE = "https://storage.azure.com/.default"
ENDPOINT_VARIABLE = "SKYSCAN_BLOB_ENDPOINT"
SHARED_KEY_VARIABLE = "SKYSCAN_BLOB_SHARED_KEY"
SERVICE = "storage"
DATA_PLANE = BlobDataPlane.TYPE
LEVELS = {None: "None", "": "None", "blob": "Blob", "container": "Container"}
UNREACHABLE = frozenset({"ConnectionError", "Timeout"})
PERMISSIONS = (
    "Microsoft.Storage/storageAccounts/blobServices/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    # only for --probe-anonymous on "blob"-level containers: the name of one blob to HEAD
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
)


@dataclass(frozen=True)
class BlobOptions:
    """Retries and timeouts of data-plane reads. azure-storage-blob's defaults (15 s
    first back-off, 3 retries) would stall a scan on an unreachable endpoint."""

    retry_total: int = 2
    # ExponentialRetry waits initial_backoff + increment_base ** attempt: 2 s, then 2 s
    initial_backoff: int = 1
    increment_base: int = 1
    connection_timeout: float = 5.0
    read_timeout: float = 20.0


@dataclass(frozen=True)
class BlobPlane:
    """What the CLI decided about the data plane, for every subscription of one scan."""

    credential: TokenCredential | None  # for real endpoints; None only in tests that use the key alone
    endpoint: str | None = None  # the override, without a trailing slash
    probe: bool = False
    ca_bundle: str | None = None
    options: BlobOptions = field(default_factory=BlobOptions)
    shared_key: str | None = field(default=None, repr=False)  # base64; for the override endpoint only


class BlobContext(AzureContext):
    """An AzureContext that also reads the blob data plane."""

    def __init__(self, base: AzureContext, plane: BlobPlane) -> None:
        super().__init__(base.reader, base.subscription_id, base.pool, base.display_name)
        # anything else a newer AzureContext carries comes along unchanged
        vars(self).update({k: v for k, v in vars(base).items() if k not in vars(self)})
        self.plane = plane


def limited(plane: BlobPlane, timeout: float, retries: int | None) -> BlobPlane:
    """--timeout (per attempt) and --retries (None: the default) applied to the data plane."""
    options = replace(plane.options, read_timeout=timeout,
                      connection_timeout=min(plane.options.connection_timeout, timeout),
                      **({} if retries is None else {"retry_total": retries}))
    return replace(plane, options=options)


def plane_from_options(
    credential: TokenCredential | None,
    *,
    endpoint: str | None,
    probe: bool,
    ca_bundle: str | None,
) -> BlobPlane:
    """The data-plane settings from the flags and environment; AzureSetupError naming
    the flag or variable when they cannot be used. The key's value is never shown."""
    url = (endpoint or os.environ.get(ENDPOINT_VARIABLE) or "").strip() or None
    key = os.environ.get(SHARED_KEY_VARIABLE) or None
    if url is not None:
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018  (raises ValueError for a port that is not one)
        except ValueError:
            parts = urlsplit("")
        # a SAS token (the query) or user info would be a credential in the endpoint, which
        # the snapshot records: refused, and never echoed
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query or parts.fragment \
                or "@" in parts.netloc:
            raise AzureSetupError(f"--blob-endpoint (or {ENDPOINT_VARIABLE}): expected an http(s) URL without query "
                                  f"or user info, such as http://127.0.0.1:10000/devstoreaccount1, "
                                  f"got {redacted_url(url)!r}")
        if parts.scheme.lower() == "http" and key is None:
            raise AzureSetupError(f"--blob-endpoint {url}: plain HTTP carries no Entra token; for an emulator "
                                  f"set {SHARED_KEY_VARIABLE} to the account key, or use https")
        url = url.rstrip("/")
    if key is not None:
        if url is None:
            raise AzureSetupError(f"{SHARED_KEY_VARIABLE} is only used with --blob-endpoint (an emulator)")
        try:
            base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise AzureSetupError(f"{SHARED_KEY_VARIABLE}: not a base64 account key") from None
    return BlobPlane(credential, url, probe, ca_bundle, BlobOptions(), key)


def with_data_plane(contexts: list[AzureContext], plane: BlobPlane) -> list[AzureContext]:
    return [BlobContext(ctx, plane) for ctx in contexts]


# clients -------------------------------------------------------------------------------


class ReadOnlyTransport(RequestsTransport):  # type: ignore[misc]  # azure-core leaves it untyped
    """The last stop of every data-plane request: refuses any method but GET and HEAD."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        method = str(request.method).upper()
        if method not in READ_METHODS:
            raise WriteRefused(f"skyscan only reads: refused {method} {urlsplit(request.url).path}")
        return super().send(request, **kwargs)


def _client_kwargs(plane: BlobPlane) -> dict[str, Any]:
    from azure.storage.blob import ExponentialRetry

    opts = plane.options
    transport: dict[str, Any] = {"connection_timeout": opts.connection_timeout, "read_timeout": opts.read_timeout}
    if plane.ca_bundle:
        transport["connection_verify"] = plane.ca_bundle
    return {
        "transport": ReadOnlyTransport(**transport),
        "retry_policy": ExponentialRetry(initial_backoff=opts.initial_backoff, increment_base=opts.increment_base,
                                         retry_total=opts.retry_total, random_jitter_range=0),
    }


def _credential(plane: BlobPlane, endpoint: str, account_name: str) -> Any:
    """The Shared Key only ever goes to the override endpoint; elsewhere the token."""
    if plane.shared_key is not None and plane.endpoint is not None and endpoint == _override_for(plane, account_name):
        from azure.core.credentials import AzureNamedKeyCredential

        return AzureNamedKeyCredential(account_name, plane.shared_key)
    return plane.credential


def service_client(plane: BlobPlane, endpoint: str, account_name: str) -> BlobServiceClient:
    from azure.storage.blob import BlobServiceClient

    return BlobServiceClient(endpoint, credential=_credential(plane, endpoint, account_name), **_client_kwargs(plane))


def anonymous_container_client(plane: BlobPlane, endpoint: str, container: str) -> ContainerClient:
    from azure.storage.blob import ContainerClient

    return ContainerClient(endpoint, container, credential=None, **_client_kwargs(plane))


def _override_for(plane: BlobPlane, account_name: str) -> str | None:
    if plane.endpoint is None:
        return None
    path = urlsplit(plane.endpoint).path.strip("/")
    if not path:
        return f"{plane.endpoint}/{account_name}"
    return plane.endpoint if path.rsplit("/", 1)[-1].lower() == account_name.lower() else None


def account_endpoint(plane: BlobPlane, account_name: str, item: dict[str, Any]) -> str | None:
    """The override when it serves this account, else Resource Manager's
    ``properties.primaryEndpoints.blob``; None when neither is known."""
    override = _override_for(plane, account_name)
    if override is not None:
        return override
    props = item.get("properties")
    endpoints = props.get("primaryEndpoints") if isinstance(props, dict) else None
    blob = endpoints.get("blob") if isinstance(endpoints, dict) else None
    return blob.rstrip("/") if isinstance(blob, str) and blob.startswith(("https://", "http://")) else None


# reads ---------------------------------------------------------------------------------


def read_data_plane(
    ctx: BlobContext,
    result: CollectResult,
    item: dict[str, Any],
    properties: StorageAccountProperties | None,
    containers: list[BlobContainer] | None,
) -> list[BlobContainer] | None:
    """Reads one account's data plane into a BlobDataPlane record; returns the
    Resource Manager containers, with probe evidence when probing."""
    account_id = str(item["id"])
    name = str(item.get("name") or account_id.rsplit("/", 1)[-1])
    location = str(item.get("location") or "global")
    plane = ctx.plane

    def fail(operation: str, code: str, message: str) -> None:
        result.fail(CollectionError(provider="azure", account=ctx.subscription_id, region=location, service=SERVICE,
                                    operation=operation, code=code, message=message[:300],
                                    resource_type=DATA_PLANE, resource_id=account_id))

    endpoint = account_endpoint(plane, name, item)
    if endpoint is None:
        fail("BlobService_Endpoint", "NoBlobEndpoint", f"{name}: properties.primaryEndpoints.blob is missing")
        return containers
    listed: tuple[DataPlaneContainer, ...] | None = None
    service: BlobServiceSettings | None = None
    with service_client(plane, endpoint, name) as client:
        try:
            listed = tuple(DataPlaneContainer(str(c.name), LEVELS.get(c.public_access, str(c.public_access)))
                           for c in client.list_containers())
        except (AzureError, WriteRefused) as exc:
            code, message = failure(exc)
            fail("ListContainers", code, message)
            if code in UNREACHABLE:
                # every further request would wait out the same retries: record, do not probe
                fail("GetBlobServiceProperties", code, f"not attempted: the endpoint did not answer ({message})")
                result.add(BlobDataPlane(account=ctx.subscription_id, region=location, resource_id=f"{account_id}/"
                                         "blobServices/default", name=name, storage_account_id=account_id,
                                         endpoint=endpoint))
                return containers
        try:
            service = service_settings(client.get_service_properties())
        except (AzureError, WriteRefused) as exc:
            fail("GetBlobServiceProperties", *failure(exc))
        except (AttributeError, TypeError) as exc:  # an answer without the documented elements
            fail("GetBlobServiceProperties", "MalformedResponse", f"{name}: {exc.__class__.__name__}")
        if plane.probe and containers is not None and properties is not None:
            containers = [_probed(plane, client, endpoint, container, properties) for container in containers]
    result.add(BlobDataPlane(account=ctx.subscription_id, region=location, resource_id=f"{account_id}/blobServices/"
                             "default", name=name, storage_account_id=account_id, endpoint=endpoint,
                             containers=listed, service=service))
    return containers


def service_settings(props: dict[str, Any]) -> BlobServiceSettings:
    logging, retention, website = props["analytics_logging"], props["delete_retention_policy"], props["static_website"]
    return BlobServiceSettings(
        logging=BlobLogging(read=bool(logging.read), write=bool(logging.write), delete=bool(logging.delete),
                            retention=_retention(logging.retention_policy)),
        delete_retention=_retention(retention),
        static_website_enabled=bool(website.enabled),
    )


def _retention(policy: Any) -> RetentionPolicy:
    enabled = bool(policy.enabled)
    return RetentionPolicy(enabled=enabled, days=int(policy.days) if enabled and policy.days is not None else None)


def failure(exc: BaseException) -> tuple[str, str]:
    """(code, message) of a failed data-plane request; the message is one line."""
    if isinstance(exc, WriteRefused):
        return "WriteRefused", str(exc)
    if isinstance(exc, HttpResponseError) and exc.status_code is not None:
        code = _error_code(exc) or f"HTTP{exc.status_code}"
        return code, f"HTTP {exc.status_code} {code}"
    if isinstance(exc, ClientAuthenticationError):  # no token could be had
        return "AuthenticationFailed", _first_line(exc)
    if isinstance(exc, ServiceResponseError):
        return "Timeout", f"no complete answer ({exc.__class__.__name__})"
    if isinstance(exc, ServiceRequestError):
        return "ConnectionError", f"could not connect ({exc.__class__.__name__})"
    return exc.__class__.__name__, _first_line(exc)


def _error_code(exc: HttpResponseError) -> str | None:
    """azure-storage-blob sets ``error_code`` (a StorageErrorCode, a str enum) from x-ms-error-code."""
    code = getattr(exc, "error_code", None)
    return str(getattr(code, "value", code)) if code else None


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return (text.splitlines()[0] if text else exc.__class__.__name__)[:300]


# the anonymous probe -------------------------------------------------------------------


def _probed(plane: BlobPlane, client: BlobServiceClient, endpoint: str, container: BlobContainer,
            properties: StorageAccountProperties) -> BlobContainer:
    from dataclasses import replace

    # Probe whenever the settings might allow anonymous access: the container grants a
    # level and the account does not explicitly forbid it. Judging what an absent
    # account property means (its platform default) is the checks' business; a probe
    # of a container that turns out private only adds evidence (a 403).
    level = (container.public_access or "").lower()
    if level not in ("blob", "container") or properties.allow_blob_public_access is False:
        return container
    known_blob = None
    if level == "blob":
        known_blob = first_blob_name(client, container.name)
    return replace(container, anonymous_probe=probe_container(plane, endpoint, container.name, known_blob))


def first_blob_name(client: BlobServiceClient, container: str) -> str | None:
    """One blob name, read with the scan's credential, so a "blob"-level container can
    be probed with a HEAD; None when the container is empty or the read is refused (the
    probe then lists, and a 403 means "not listable", not "not exposed")."""
    try:
        pages = client.get_container_client(container).list_blobs(results_per_page=1).by_page()
        for blob in next(pages, []):
            return str(blob.name)
    except (AzureError, WriteRefused):
        return None
    return None


def probe_container(plane: BlobPlane, endpoint: str, container: str, blob_name: str | None) -> AnonymousProbe:
    """ONE request without credentials: Get Blob Properties (HEAD) on ``blob_name`` when
    given, else List Blobs with one result at most."""
    at = datetime.now(UTC).isoformat(timespec="seconds")
    kind = "anonymous-blob-properties" if blob_name is not None else "anonymous-list"
    with anonymous_container_client(plane, endpoint, container) as anonymous:
        try:
            if blob_name is not None:
                anonymous.get_blob_client(blob_name).get_blob_properties()
            else:
                next(anonymous.list_blobs(results_per_page=1).by_page(), None)
        except HttpResponseError as exc:
            if exc.status_code is None:
                return AnonymousProbe(kind, None, failure(exc)[0], at)
            return AnonymousProbe(kind, exc.status_code, _error_code(exc), at)
        except (AzureError, WriteRefused) as exc:
            return AnonymousProbe(kind, None, failure(exc)[0], at)
    return AnonymousProbe(kind, 200, None, at)
