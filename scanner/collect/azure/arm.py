"""Azure Resource Manager reads, through the management SDK's pipeline.

One ``ArmReader`` per scan wraps a ``SubscriptionClient`` (azure-mgmt-resource-
subscriptions): its pipeline brings authentication, retries, the user agent and
logging. Every read is ``send_request(HttpRequest("GET", ...))`` with the api-version
pinned per resource type in ``API_VERSIONS``, so a collector for a new resource type
needs no new SDK package: add its api-version here and read the documented REST shape.

* ``get(path)`` reads one resource; ``list(path)`` yields every item of a collection,
  following ``nextLink`` (only to the same Resource Manager host: the bearer token must
  never leave it).
* Retries: azure-core's RetryPolicy, configured in ``ArmOptions`` (bounded attempts,
  exponential back-off, Retry-After honoured up to a cap, timeouts per attempt and per
  read).
* ``ReadOnlyGuard`` refuses any method but GET and HEAD before a request leaves the
  process. It sits after the retry policy, so it also sees requests other policies
  make (the ARM pipeline's automatic resource-provider registration POSTs).
* ``CallAccounting`` (per attempt) takes a slot in the pool's bound on requests in
  flight and counts calls, retries and throttling answers in the pool's ledger.
* Every failure becomes an ``ArmError`` with a code (the ARM error code, or Throttled,
  Timeout, ConnectionError, AuthenticationFailed, MalformedResponse, WriteRefused);
  callers turn it into a CollectionError, never into an empty result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    DecodeError,
    ServiceRequestError,
    ServiceResponseError,
    ServiceResponseTimeoutError,
)
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy
from azure.core.rest import HttpRequest

from scanner.collect.pool import Pool

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential
    from azure.core.pipeline import PipelineResponse
    from azure.mgmt.resource.subscriptions import SubscriptionClient

# Pinned api-versions, per resource type (documented, GA versions). A response's shape
# and the defaults of absent properties depend on the version, so records carry it.
API_VERSIONS: dict[str, str] = {
    "Microsoft.Resources/subscriptions": "2022-12-01",
    "Microsoft.Storage/storageAccounts": "2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices": "2023-05-01",
    "Microsoft.Storage/storageAccounts/blobServices/containers": "2023-05-01",
    "Microsoft.Network/networkSecurityGroups": "2023-09-01",
    "Microsoft.Network/networkWatchers": "2023-09-01",
    "Microsoft.Network/networkWatchers/flowLogs": "2023-09-01",
    "Microsoft.KeyVault/vaults": "2023-07-01",
    "Microsoft.KeyVault/vaults/keys": "2023-07-01",
    "Microsoft.KeyVault/vaults/secrets": "2023-07-01",
    "Microsoft.Sql/servers": "2021-11-01",
    "Microsoft.Sql/servers/administrators": "2021-11-01",
    "Microsoft.Sql/servers/auditingSettings": "2021-11-01",
    "Microsoft.Sql/servers/firewallRules": "2021-11-01",
    "Microsoft.Sql/servers/databases": "2021-11-01",
    "Microsoft.Sql/servers/databases/transparentDataEncryption": "2021-11-01",
    "Microsoft.Web/sites": "2023-12-01",
    "Microsoft.Web/sites/config": "2023-12-01",
    # subscription (activity log) diagnostic settings are documented only as this preview
    "Microsoft.Insights/diagnosticSettings": "2021-05-01-preview",
    "Microsoft.Security/pricings": "2024-01-01",
}

READ_METHODS = frozenset({"GET", "HEAD"})
MAX_PAGES = 10_000  # a paging loop that never ends is a server bug, reported as such
THROTTLE_CODES = frozenset({"TooManyRequests", "Throttled", "ThrottlingException", "RequestThrottled"})


@dataclass(frozen=True)
class ArmOptions:
    """How hard to try. Defaults suit a live tenant; tests shrink them."""

    retry_total: int = 4  # retries after the first attempt
    retry_backoff_factor: float = 0.8  # exponential: 0.8 s, 1.6 s, 3.2 s ... (plus Retry-After)
    retry_backoff_max: int = 30
    retry_after_cap: float = 60.0  # a Retry-After longer than this is shortened to it
    connection_timeout: float = 10.0
    read_timeout: float = 60.0  # per attempt
    total_timeout: int = 300  # per read, across its retries
    pool_connections: int = 16

    @classmethod
    def limited(cls, timeout: float, retries: int | None, pool_connections: int) -> ArmOptions:
        """--timeout (per attempt) and --retries (None: the default) as ARM options."""
        return cls(pool_connections=pool_connections, read_timeout=timeout, connection_timeout=min(10.0, timeout),
                   total_timeout=max(cls.total_timeout, int(timeout) + 1),
                   **({} if retries is None else {"retry_total": retries}))


class WriteRefused(Exception):
    """Raised by the read-only guard before a non-read request is sent."""


class ArmError(Exception):
    """A Resource Manager read that failed, with a code for the CollectionError."""

    def __init__(self, code: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ReadOnlyGuard(SansIOHTTPPolicy[Any, Any]):
    """Refuses every method but GET and HEAD, before sending."""

    def on_request(self, request: PipelineRequest[Any]) -> None:
        method = request.http_request.method.upper()
        if method not in READ_METHODS:
            raise WriteRefused(f"skyscan only reads: refused {method} {urlsplit(request.http_request.url).path}")


def arm_operation(url: str) -> tuple[str, str, str]:
    """(subscription, provider namespace, operation) of a Resource Manager URL, the
    operation being its resource-type path without names:
    ``/subscriptions/S/resourceGroups/G/providers/Microsoft.Storage/storageAccounts/A/
    blobServices/default/containers`` -> ``(S, Microsoft.Storage, storageAccounts/
    blobServices/containers)``."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    lowered = [p.lower() for p in parts]
    subscription = parts[1].lower() if lowered[:1] == ["subscriptions"] and len(parts) > 1 else ""
    if "providers" not in lowered:
        return subscription, "Microsoft.Resources", "subscriptions" if subscription or parts else ""
    at = len(lowered) - 1 - lowered[::-1].index("providers")
    namespace = parts[at + 1] if len(parts) > at + 1 else ""
    # after the namespace, names and types alternate: type, name, type, name ...
    types = parts[at + 2 :: 2]
    return subscription, namespace, "/".join(types)


class CallAccounting(SansIOHTTPPolicy[Any, Any]):
    """Runs once per attempt: waits for a slot in flight, then counts the attempt."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    def on_request(self, request: PipelineRequest[Any]) -> None:
        named = request.context["skyscan_operation"] = arm_operation(request.http_request.url)
        self._pool.request_started(named[0], named[1])

    def on_response(self, request: PipelineRequest[Any], response: PipelineResponse[Any, Any]) -> None:
        self._finished(request, throttled=response.http_response.status_code == 429)

    def on_exception(self, request: PipelineRequest[Any]) -> None:
        self._finished(request, throttled=False)

    def _finished(self, request: PipelineRequest[Any], *, throttled: bool) -> None:
        self._pool.request_finished()
        retry = "skyscan_attempted" in request.context  # the context lives across a read's attempts
        request.context["skyscan_attempted"] = True
        subscription, namespace, operation = request.context["skyscan_operation"]
        self._pool.calls.count(
            "azure", subscription, "global", namespace, operation, retries=int(retry), throttled=int(throttled)
        )


class BoundedRetryPolicy(RetryPolicy[Any, Any]):
    """azure-core's RetryPolicy, with Retry-After honoured only up to a cap, so one
    server asking for an hour cannot stall a whole scan."""

    def __init__(self, *, retry_after_cap: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._retry_after_cap = retry_after_cap

    def get_retry_after(self, response: PipelineResponse[Any, Any]) -> float | None:
        value = super().get_retry_after(response)
        return None if value is None else min(value, self._retry_after_cap)


def make_client(
    credential: TokenCredential,
    *,
    endpoint: str,
    scope: str,
    ca_bundle: str | None,
    options: ArmOptions,
    pool: Pool | None = None,
) -> SubscriptionClient:
    """The one pipeline every ARM read goes through."""
    import requests
    from azure.core.pipeline.transport import RequestsTransport
    from azure.mgmt.resource.subscriptions import SubscriptionClient

    # requests keeps 10 connections per host by default; the pool reads in parallel
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=max(options.pool_connections, 10))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    transport_kwargs: dict[str, Any] = {
        "session": session,
        "session_owner": True,
        "connection_timeout": options.connection_timeout,
        "read_timeout": options.read_timeout,
    }
    if ca_bundle:
        transport_kwargs["connection_verify"] = ca_bundle
    retry = BoundedRetryPolicy(
        retry_after_cap=options.retry_after_cap,
        retry_total=options.retry_total,
        retry_backoff_factor=options.retry_backoff_factor,
        retry_backoff_max=options.retry_backoff_max,
        timeout=options.total_timeout,
    )
    return SubscriptionClient(
        credential,
        base_url=endpoint,
        credential_scopes=[scope],
        retry_policy=retry,
        per_retry_policies=[ReadOnlyGuard(), *([CallAccounting(pool)] if pool is not None else [])],
        transport=RequestsTransport(**transport_kwargs),
    )


class ArmReader:
    """GETs against one Resource Manager endpoint through ``client``'s pipeline."""

    def __init__(self, client: SubscriptionClient, endpoint: str, pool: Pool | None = None) -> None:
        self.client = client
        self.pool = pool
        self.endpoint = endpoint.rstrip("/")
        base = urlsplit(self.endpoint)
        self._scheme, self._netloc = base.scheme.lower(), base.netloc.lower()

    def get(self, path: str, api_version: str) -> dict[str, Any]:
        """One resource (or one page) as parsed JSON; ArmError on any failure."""
        return self._send(self._url(path), {"api-version": api_version})

    def list(self, path: str, api_version: str) -> Iterator[dict[str, Any]]:
        """Every item of a collection across its pages. A page that fails raises
        ArmError: the caller must not mistake the items seen so far for the whole."""
        url = self._url(path)
        params: dict[str, str] | None = {"api-version": api_version}
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self._send(url, params)
            items = page.get("value")
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise ArmError("MalformedResponse", f"{urlsplit(url).path}: 'value' is not a list of objects")
            yield from items
            next_link = page.get("nextLink")
            if not next_link:
                return
            url = self._next_url(next_link, seen)
            params = None if "api-version=" in url else {"api-version": api_version}
        raise ArmError("MalformedResponse", f"{urlsplit(path).path}: more than {MAX_PAGES} pages")

    # plumbing ----------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{self.endpoint}/{path.lstrip('/')}"

    def _next_url(self, next_link: Any, seen: set[str]) -> str:
        if not isinstance(next_link, str):
            raise ArmError("MalformedResponse", "nextLink is not a string")
        parts = urlsplit(next_link)
        if (parts.scheme.lower(), parts.netloc.lower()) != (self._scheme, self._netloc):
            # the bearer token must never be sent to another host
            raise ArmError("UnexpectedNextLink", f"nextLink leaves {self._scheme}://{self._netloc}")
        if next_link in seen:
            raise ArmError("MalformedResponse", "nextLink repeats a page already read")
        seen.add(next_link)
        return next_link

    def _send(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        failed = True
        try:
            body = self._read(url, params)
            failed = False
            return body
        finally:
            if self.pool is not None:
                subscription, namespace, operation = arm_operation(url)
                self.pool.calls.count("azure", subscription, "global", namespace, operation,
                                      calls=1, failed=int(failed))

    def _read(self, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        request = HttpRequest("GET", url, params=params or {})
        path = urlsplit(url).path
        try:
            response = self.client.send_request(request)
        except WriteRefused as exc:
            raise ArmError("WriteRefused", str(exc)) from None
        except ClientAuthenticationError as exc:
            raise ArmError("AuthenticationFailed", _first_line(exc)) from None
        except DecodeError:  # the pipeline could not parse a JSON answer
            raise ArmError("MalformedResponse", f"{path}: the answer is not valid JSON") from None
        except ServiceResponseTimeoutError as exc:  # the read timeout, after the retries
            raise ArmError("Timeout", f"{path}: no complete answer ({exc.__class__.__name__})") from None
        except ServiceResponseError as exc:  # the connection closed or was reset mid-answer
            raise ArmError("ConnectionError", f"{path}: the connection broke ({exc.__class__.__name__})") from None
        except ServiceRequestError as exc:
            raise ArmError("ConnectionError", f"{path}: could not connect ({exc.__class__.__name__})") from None
        except AzureError as exc:
            raise ArmError(exc.__class__.__name__, _first_line(exc)) from None
        status = response.status_code
        if status >= 400:
            raise _http_error(path, status, response.text())
        try:
            body = json.loads(response.text())
        except ValueError:
            raise ArmError("MalformedResponse", f"{path}: the answer is not JSON", status) from None
        if not isinstance(body, dict):
            raise ArmError("MalformedResponse", f"{path}: the answer is not a JSON object", status)
        return body


def _http_error(path: str, status: int, text: str) -> ArmError:
    """An ARM error body is ``{"error": {"code": ..., "message": ...}}``."""
    code, message = f"HTTP{status}", ""
    try:
        error = json.loads(text).get("error", {})
        code = str(error.get("code") or code)
        message = str(error.get("message") or "")
    except (ValueError, AttributeError):
        message = text[:200]
    if status == 429 or code in THROTTLE_CODES:
        return ArmError("Throttled", f"{path}: throttled past the retry budget", status)
    return ArmError(code, f"{path}: {message}"[:300], status)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "message", None) or exc).strip()
    return (text.splitlines()[0] if text else exc.__class__.__name__)[:300]
