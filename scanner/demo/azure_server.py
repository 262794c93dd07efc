"""A local HTTPS Azure Resource Manager and Entra ID authority, for the tests and
``skyscan demo``.

No ARM emulator exists, so this serves the documented REST shapes from an in-memory
model, over real TLS (a trustme CA whose PEM is written to a file), to the real SDK
clients and the real ClientSecretCredential. It listens on 127.0.0.1 only and holds
nothing but what its caller put in the model:

* Entra: ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and
  ``POST /{tenant}/oauth2/v2.0/token`` (client credentials; a wrong client secret gets
  401 ``invalid_client``).
* ARM (bearer token required, ``api-version`` required): ``GET /subscriptions``,
  ``GET /subscriptions/{id}/providers/Microsoft.Storage/storageAccounts``,
  ``GET {account}/blobServices/default`` and ``GET {account}/blobServices/default/
  containers``. Collections page by ``page_size`` with ``value`` + ``nextLink``.
* A generic store for everything else: ``collection(path, items)`` serves a paged
  collection at any path (a subscription-level ``/subscriptions/{id}/providers/{Namespace}/
  {type}`` or a child collection under a resource id) and ``put(path, doc)`` a singleton
  (``.../auditingSettings/default``). A subscription-level provider collection nobody
  filled is an empty page for a known subscription. ``add_nsg``, ``add_key_vault``,
  ``add_sql_server``, ``add_web_app``, ``add_network_watcher``, ``set_activity_log_settings``
  and ``set_pricings`` fill it with the documented shapes.
* Faults per path pattern (``fail``): an HTTP error with an ARM error body and
  optional Retry-After, a slow answer, or a malformed page; each for a number of
  requests or for ever.
* ``requests``: every ARM request as (method, path), for assertions such as "only
  GETs" or "one read per account". Token requests are counted apart.
"""

from __future__ import annotations

import json
import re
import ssl
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

# the emulated tenant's only application: placeholders that sign in nowhere but here
TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "test-only-secret-value"  # a fixture value, never a real credential
STORAGE_API = "2023-05-01"


@dataclass
class Fault:
    pattern: re.Pattern[str]
    status: int = 500
    code: str = "InternalServerError"
    message: str = ""
    retry_after: int | None = None
    delay: float = 0.0  # seconds to wait before answering (0: answer at once)
    malformed: bool = False  # answer 200 with a body that is not a valid page
    times: int | None = None  # how many matching requests it applies to; None: all


@dataclass
class ArmModel:
    """What the fake cloud holds. Account and container entries are ARM JSON."""

    subscriptions: dict[str, str] = field(default_factory=dict)  # id -> display name
    accounts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # subscription -> accounts
    blob_services: dict[str, dict[str, Any]] = field(default_factory=dict)  # account id (lower) -> properties
    containers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # account id (lower) -> containers
    # the generic store, keyed by lower-cased path
    collections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    singletons: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 100
    next_link_base: str | None = None  # set to make nextLinks point at another host

    def collection(self, path: str, items: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        """The (mutable) collection served at ``path``, created empty when new."""
        found = self.collections.setdefault(path.lower(), [])
        found.extend(items or [])
        return found

    def put(self, path: str, doc: dict[str, Any]) -> None:
        self.singletons[path.lower()] = doc

    def add_subscription(self, subscription_id: str, name: str = "") -> None:
        self.subscriptions[subscription_id] = name or f"subscription {subscription_id[:8]}"
        self.accounts.setdefault(subscription_id, [])

    def add_storage_account(
        self,
        subscription_id: str,
        name: str,
        *,
        group: str = "rg-data",
        location: str = "westeurope",
        kind: str = "StorageV2",
        properties: dict[str, Any] | None = None,
        blob_service: dict[str, Any] | None = None,
        containers: dict[str, str | None] | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        """Adds an account (and its blob service and containers); returns its id.
        ``containers`` maps a name to its publicAccess ("None", "Blob", "Container" or
        None to leave the property out)."""
        account_id = (
            f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/Microsoft.Storage/storageAccounts/{name}"
        )
        self.accounts.setdefault(subscription_id, []).append(
            {
                "id": account_id,
                "name": name,
                "type": "Microsoft.Storage/storageAccounts",
                "location": location,
                "kind": kind,
                "sku": {"name": "Standard_GRS", "tier": "Standard"},
                "tags": tags or {},
                "properties": {"provisioningState": "Succeeded", **(properties or {})},
            }
        )
        self.blob_services[account_id.lower()] = blob_service or {}
        listed = []
        for container, level in (containers or {}).items():
            props: dict[str, Any] = {"hasImmutabilityPolicy": False, "hasLegalHold": False,
                                     "leaseState": "Available", "lastModifiedTime": "2025-01-01T00:00:00Z"}
            if level is not None:
                props["publicAccess"] = level
            listed.append({
                "id": f"{account_id}/blobServices/default/containers/{container}",
                "name": container,
                "type": "Microsoft.Storage/storageAccounts/blobServices/containers",
                "etag": '"0x8D5898"',
                "properties": props,
            })
        self.containers[account_id.lower()] = listed
        return account_id


    # services beyond storage: each fills the generic store with the documented shapes

    def _resource(self, subscription_id: str, group: str, rtype: str, name: str, location: str,
                  properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
        resource_id = f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/{rtype}/{name}"
        item = {"id": resource_id, "name": name, "type": rtype, "location": location, "tags": {},
                "properties": properties, **extra}
        self.collection(f"/subscriptions/{subscription_id}/providers/{rtype}", [item])
        return item

    def add_nsg(self, subscription_id: str, name: str, rules: list[dict[str, Any]], *, group: str = "rg-net",
                location: str = "westeurope") -> str:
        """An NSG with ``rules`` (each the ``properties`` of a securityRule plus a "name")
        and the platform's six default rules."""
        base = f"/subscriptions/{subscription_id}/resourceGroups/{group}/providers/Microsoft.Network/" \
               f"networkSecurityGroups/{name}"

        def rule(raw: dict[str, Any], kind: str) -> dict[str, Any]:
            props = {k: v for k, v in raw.items() if k != "name"}
            return {"id": f"{base}/{kind}/{raw['name']}", "name": raw["name"], "type": f"Microsoft.Network/"
                    f"networkSecurityGroups/{kind}", "properties": {"provisioningState": "Succeeded", **props}}

        item = self._resource(subscription_id, group, "Microsoft.Network/networkSecurityGroups", name, location, {
            "provisioningState": "Succeeded", "resourceGuid": "00000000-0000-0000-0000-000000000000",
            "securityRules": [rule(r, "securityRules") for r in rules],
            "defaultSecurityRules": [rule(r, "defaultSecurityRules") for r in DEFAULT_NSG_RULES],
        })
        return str(item["id"])

    def add_network_watcher(self, subscription_id: str, location: str, flow_logs: list[dict[str, Any]] | None = None,
                            *, state: str = "Succeeded") -> str:
        """``NetworkWatcher_{location}`` in NetworkWatcherRG; ``flow_logs`` are flow log
        ``properties`` plus a "name"."""
        item = self._resource(subscription_id, "NetworkWatcherRG", "Microsoft.Network/networkWatchers",
                              f"NetworkWatcher_{location}", location, {"provisioningState": state})
        watcher_id = str(item["id"])
        self.collection(f"{watcher_id}/flowLogs", [
            {"id": f"{watcher_id}/flowLogs/{log['name']}", "name": log["name"], "location": location,
             "type": "Microsoft.Network/networkWatchers/flowLogs",
             "properties": {"provisioningState": "Succeeded", **{k: v for k, v in log.items() if k != "name"}}}
            for log in flow_logs or []
        ])
        return watcher_id

    def add_key_vault(self, subscription_id: str, name: str, properties: dict[str, Any], *, group: str = "rg-sec",
                      location: str = "westeurope", keys: dict[str, dict[str, Any]] | None = None,
                      secrets: dict[str, dict[str, Any]] | None = None) -> str:
        """``keys`` / ``secrets`` map a name to its ``attributes``."""
        item = self._resource(subscription_id, group, "Microsoft.KeyVault/vaults", name, location, {
            "tenantId": TENANT, "sku": {"family": "A", "name": "standard"}, "vaultUri": f"https://{name}.vault.azure.net/",
            **properties})
        vault_id = str(item["id"])
        for kind, entries in (("keys", keys or {}), ("secrets", secrets or {})):
            self.collection(f"{vault_id}/{kind}", [
                {"id": f"{vault_id}/{kind}/{entry}", "name": entry, "location": location,
                 "type": f"Microsoft.KeyVault/vaults/{kind}",
                 "properties": {"attributes": attributes,
                                f"{kind[:-1]}Uri": f"https://{name}.vault.azure.net/{kind}/{entry}"}}
                for entry, attributes in entries.items()
            ])
        return vault_id

    def add_sql_server(self, subscription_id: str, name: str, properties: dict[str, Any], *,
                       group: str = "rg-sql", location: str = "westeurope",
                       admins: list[dict[str, Any]] | None = None, auditing: dict[str, Any] | None = None,
                       firewall: dict[str, tuple[str, str]] | None = None,
                       databases: dict[str, str] | None = None) -> str:
        """``firewall`` maps a rule name to (start, end); ``databases`` a name to its TDE
        state (master is always there, as on Azure)."""
        item = self._resource(subscription_id, group, "Microsoft.Sql/servers", name, location, {
            "administratorLogin": "sqladmin", "version": "12.0", "state": "Ready",
            "fullyQualifiedDomainName": f"{name}.database.windows.net", **properties}, kind="v12.0")
        server_id = str(item["id"])
        self.collection(f"{server_id}/administrators", [
            {"id": f"{server_id}/administrators/ActiveDirectory", "name": "ActiveDirectory",
             "type": "Microsoft.Sql/servers/administrators", "properties": admin} for admin in admins or []])
        self.put(f"{server_id}/auditingSettings/default", {
            "id": f"{server_id}/auditingSettings/default", "name": "default",
            "type": "Microsoft.Sql/servers/auditingSettings",
            "properties": auditing if auditing is not None else {"state": "Disabled", "retentionDays": 0}})
        self.collection(f"{server_id}/firewallRules", [
            {"id": f"{server_id}/firewallRules/{rule}", "name": rule, "type": "Microsoft.Sql/servers/firewallRules",
             "properties": {"startIpAddress": start, "endIpAddress": end}}
            for rule, (start, end) in (firewall or {}).items()])
        listed = self.collection(f"{server_id}/databases")
        for database, state in {"master": "Enabled", **(databases or {})}.items():
            database_id = f"{server_id}/databases/{database}"
            listed.append({"id": database_id, "name": database, "type": "Microsoft.Sql/servers/databases",
                           "location": location, "properties": {"status": "Online"}})
            self.put(f"{database_id}/transparentDataEncryption/current", {
                "id": f"{database_id}/transparentDataEncryption/Current", "name": "current",
                "type": "Microsoft.Sql/servers/databases/transparentDataEncryption", "properties": {"state": state}})
        return server_id

    def add_web_app(self, subscription_id: str, name: str, properties: dict[str, Any], config: dict[str, Any], *,
                    group: str = "rg-web", location: str = "westeurope", kind: str = "app") -> str:
        item = self._resource(subscription_id, group, "Microsoft.Web/sites", name, location, {
            "state": "Running", "defaultHostName": f"{name}.azurewebsites.net",
            # the listing's siteConfig leaves most fields null: the collector reads config/web
            "siteConfig": {"minTlsVersion": None, "ftpsState": None}, **properties}, kind=kind)
        site_id = str(item["id"])
        self.put(f"{site_id}/config/web", {"id": f"{site_id}/config/web", "name": "web", "location": location,
                                           "type": "Microsoft.Web/sites/config", "properties": config})
        return site_id

    def set_activity_log_settings(self, subscription_id: str, settings: dict[str, dict[str, Any]]) -> None:
        """``settings`` maps a name to its ``properties``."""
        self.collection(f"/subscriptions/{subscription_id}/providers/Microsoft.Insights/diagnosticSettings", [
            {"id": f"subscriptions/{subscription_id}/providers/microsoft.insights/diagnosticSettings/{name}",
             "name": name, "type": None, "properties": props} for name, props in settings.items()])

    def set_pricings(self, subscription_id: str, tiers: dict[str, str]) -> None:
        self.collection(f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings", [
            {"id": f"/subscriptions/{subscription_id}/providers/Microsoft.Security/pricings/{name}", "name": name,
             "type": "Microsoft.Security/pricings",
             "properties": {"pricingTier": tier, "freeTrialRemainingTime": "PT0S"}} for name, tier in tiers.items()])


# the six rules Azure adds to every network security group
DEFAULT_NSG_RULES: list[dict[str, Any]] = [
    {"name": "AllowVnetInBound", "priority": 65000, "direction": "Inbound", "access": "Allow", "protocol": "*",
     "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork",
     "destinationPortRange": "*"},
    {"name": "AllowAzureLoadBalancerInBound", "priority": 65001, "direction": "Inbound", "access": "Allow",
     "protocol": "*", "sourceAddressPrefix": "AzureLoadBalancer", "sourcePortRange": "*",
     "destinationAddressPrefix": "*", "destinationPortRange": "*"},
    {"name": "DenyAllInBound", "priority": 65500, "direction": "Inbound", "access": "Deny", "protocol": "*",
     "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
    {"name": "AllowVnetOutBound", "priority": 65000, "direction": "Outbound", "access": "Allow", "protocol": "*",
     "sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": "VirtualNetwork",
     "destinationPortRange": "*"},
    {"name": "AllowInternetOutBound", "priority": 65001, "direction": "Outbound", "access": "Allow", "protocol": "*",
     "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "Internet",
     "destinationPortRange": "*"},
    {"name": "DenyAllOutBound", "priority": 65500, "direction": "Outbound", "access": "Deny", "protocol": "*",
     "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
]


class ArmServer:
    """The server; ``reset()`` gives every test an empty model, no faults, no log."""

    def __init__(self, directory: Path, *, tenant: str = TENANT, client_id: str = CLIENT_ID,
                 client_secret: str = CLIENT_SECRET) -> None:
        import trustme  # the `demo` extra: only the demo and the tests start this server

        ca = trustme.CA()
        self.ca_path = directory / "skyscan-test-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self._lock = threading.Lock()
        self.model = ArmModel()
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str]] = []
        self.token_requests = 0
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self._tokens: set[str] = set()
        handler = type("Handler", (_Handler,), {"arm": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="arm-server", daemon=True)

    def start(self) -> ArmServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        with self._lock:
            self.model = ArmModel()
            self.faults = []
            self.requests = []
            self.token_requests = 0

    def fail(self, pattern: str, **fault: Any) -> None:
        """Inject a fault for requests whose path (or path and query string) matches
        the regular expression ``pattern``."""
        with self._lock:
            self.faults.append(Fault(re.compile(pattern), **fault))

    # the log -----------------------------------------------------------------------

    def methods(self) -> set[str]:
        with self._lock:
            return {method for method, _ in self.requests}

    def calls(self) -> Counter[str]:
        """Requests per path (paging requests of one collection count separately)."""
        with self._lock:
            return Counter(path for _, path in self.requests)

    # used by the handler -----------------------------------------------------------

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests.append((method, path))

    def _fault_for(self, path: str, target: str) -> Fault | None:
        """The first live fault whose pattern matches the path, or the path with its
        query string (so that a pattern can name one page)."""
        with self._lock:
            for fault in self.faults:
                matches = fault.pattern.search(path) or fault.pattern.search(target)
                if matches and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _issue_token(self) -> str:
        with self._lock:
            self.token_requests += 1
            token = f"token-{self.token_requests}-{time.monotonic_ns()}"
            self._tokens.add(token)
            return token

    def _token_known(self, token: str) -> bool:
        with self._lock:
            return token in self._tokens


class _Handler(BaseHTTPRequestHandler):
    arm: ArmServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no ~40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the test log is enough
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            if "/oauth2/" in parts.path or "/.well-known/" in parts.path:
                self._entra(method, parts.path, body)
            else:
                self._arm(method, parts.path, query)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass  # the client gave up (a timeout test): nothing to answer

    # Entra ---------------------------------------------------------------------------

    def _entra(self, method: str, path: str, body: bytes) -> None:
        tenant = path.strip("/").split("/", 1)[0]
        base = f"{self.arm.url}/{tenant}"
        if method == "GET" and path.endswith("/v2.0/.well-known/openid-configuration"):
            self._json(200, {
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "issuer": f"{base}/v2.0",
                "tenant_region_scope": "EU",
            })
            return
        if method == "POST" and path.endswith("/oauth2/v2.0/token"):
            form = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            if tenant != self.arm.tenant or form.get("client_id") != self.arm.client_id \
                    or form.get("client_secret") != self.arm.client_secret:
                self._json(401, {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                    "error_codes": [7000215],
                })
                return
            self._json(200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                             "access_token": self.arm._issue_token()})
            return
        self._json(404, {"error": "not_found"})

    # ARM -----------------------------------------------------------------------------

    def _arm(self, method: str, path: str, query: dict[str, str]) -> None:
        self.arm._record(method, path)
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not self.arm._token_known(auth[len("Bearer "):]):
            self._error(401, "AuthenticationFailed", "missing or unknown bearer token")
            return
        if method == "HEAD":
            self._raw(200, b"")
            return
        if method != "GET":
            self._error(405, "MethodNotAllowed", f"the test server only reads ({method})")
            return
        if "api-version" not in query:
            self._error(400, "MissingApiVersionParameter", "the api-version query parameter is required")
            return
        fault = self.arm._fault_for(path, self.path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.malformed:
                self._raw(200, b'{"value": [{"id": "/half')
                return
            if fault.status >= 400:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                self._error(fault.status, fault.code, fault.message or f"injected {fault.code}", headers)
                return
        self._route(path, query)

    def _route(self, path: str, query: dict[str, str]) -> None:
        model = self.arm.model
        segments = path.strip("/").split("/")
        lowered = [s.lower() for s in segments]
        if lowered == ["subscriptions"]:
            items = [
                {"id": f"/subscriptions/{sid}", "subscriptionId": sid, "tenantId": self.arm.tenant,
                 "displayName": name, "state": "Enabled", "authorizationSource": "RoleBased",
                 "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01",
                                          "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"}}
                for sid, name in model.subscriptions.items()
            ]
            self._page(path, query, items)
            return
        if len(segments) == 4 and lowered[0] == "subscriptions" and lowered[2:] == ["providers", "microsoft.storage"]:
            self._error(404, "InvalidResourceType", "no such resource type")
            return
        if len(segments) == 5 and lowered[0] == "subscriptions" and lowered[2:] == [
            "providers", "microsoft.storage", "storageaccounts"
        ]:
            subscription = segments[1]
            if subscription not in model.accounts:
                self._error(404, "SubscriptionNotFound", f"The subscription '{subscription}' could not be found.")
                return
            self._page(path, query, model.accounts[subscription])
            return
        if len(segments) >= 10 and lowered[-3:] == ["blobservices", "default", "containers"]:
            account_id = "/" + "/".join(segments[:-3])
            if account_id.lower() not in model.containers:
                self._error(404, "ResourceNotFound", "no such storage account")
                return
            self._page(path, query, model.containers[account_id.lower()])
            return
        if len(segments) >= 9 and lowered[-2:] == ["blobservices", "default"]:
            account_id = "/" + "/".join(segments[:-2])
            if account_id.lower() not in model.blob_services:
                self._error(404, "ResourceNotFound", "no such storage account")
                return
            self._json(200, {"id": f"{account_id}/blobServices/default", "name": "default",
                             "type": "Microsoft.Storage/storageAccounts/blobServices",
                             "sku": {"name": "Standard_GRS", "tier": "Standard"},
                             "properties": model.blob_services[account_id.lower()]})
            return
        key = path.rstrip("/").lower()
        if key in model.singletons:
            self._json(200, model.singletons[key])
            return
        if key in model.collections:
            self._page(path, query, model.collections[key])
            return
        if len(segments) == 5 and lowered[0] == "subscriptions" and lowered[2] == "providers":
            if segments[1] not in model.subscriptions:
                self._error(404, "SubscriptionNotFound", f"The subscription '{segments[1]}' could not be found.")
                return
            self._page(path, query, [])  # a provider collection with nothing in it
            return
        self._error(404, "ResourceNotFound", f"nothing at {path}")

    def _page(self, path: str, query: dict[str, str], items: list[dict[str, Any]]) -> None:
        size = max(self.arm.model.page_size, 1)
        start = int(query.get("$skiptoken", "0") or 0)
        page: dict[str, Any] = {"value": items[start:start + size]}
        if start + size < len(items):
            base = self.arm.model.next_link_base or self.arm.url
            page["nextLink"] = f"{base}{path}?api-version={query['api-version']}&$skiptoken={start + size}"
        self._json(200, page)

    # answers -------------------------------------------------------------------------

    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        self._json(status, {"error": {"code": code, "message": message}}, headers)

    def _json(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(doc).encode(), headers)

    def _raw(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
