"""A fault-injecting forwarding proxy for the tests, on 127.0.0.1.

It sits in front of one upstream: moto in server mode (http) or the local HTTPS
Resource Manager (scanner/demo/azure_server.py). Every request is identified (provider,
service, region, operation, access key, account) and either forwarded byte-exact or
answered with an injected fault in the protocol's own error shape, so the real SDKs
parse it as they would parse the cloud's:

    with FaultProxy(moto_url) as proxy:
        proxy.add(Rule("throttle", service="s3", operation="GetBucketAcl", times=2))
        ... run a scan with --endpoint-url proxy.url ...
        proxy.counts()            # Counter of fault kinds injected (None: forwarded)
        proxy.faulted()           # the log entries that were answered with a fault

Fault kinds (``KINDS``): throttle, server_error, reset, timeout, access_denied,
malformed, truncated, expired_token. A rule fires on every match, on the first
``times`` matches, on a seeded ``rate`` of them, or on every match once ``after``
requests have passed through the proxy ("credentials expire mid-scan").

``delay`` (settable while running) adds latency before each request is forwarded: the
benchmarks use it to model a distant region.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import random
import re
import socket
import ssl
import struct
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    import trustme

KINDS = ("throttle", "server_error", "reset", "timeout", "access_denied", "malformed", "truncated", "expired_token")

# What a rule field may be: None (any), a string (exact, case-insensitive) or a
# compiled regular expression (searched).
Matcher = str | re.Pattern[str] | None

# headers that belong to one hop, never forwarded
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "transfer-encoding", "upgrade"})
# the moto account of the default test credentials; learned again from STS answers
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_ACCOUNT_IN_ANSWER = re.compile(rb"<Account>(\d{12})</Account>")
_ASSUMED = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>.*?arn:aws[\w-]*:sts::(\d{12}):assumed-role", re.S)
_ASSUMED_REVERSED = re.compile(rb"arn:aws[\w-]*:sts::(\d{12}):assumed-role.*?<AccessKeyId>([^<]+)</AccessKeyId>", re.S)

# botocore service name by SigV4 signing name, where they differ
_SIGNING_TO_SERVICE = {"elasticfilesystem": "efs", "access-analyzer": "accessanalyzer", "monitoring": "cloudwatch",
                       "states": "stepfunctions", "email": "ses", "execute-api": "apigateway"}
_REST_XML_SERVICES = frozenset({"s3", "cloudfront", "route53"})


@dataclass
class Rule:
    """One fault. Every given matcher must match; ``path`` is a regular expression
    searched in the path with its query string."""

    kind: str
    provider: Matcher = None
    service: Matcher = None
    operation: Matcher = None
    region: Matcher = None
    access_key: Matcher = None
    account: Matcher = None
    path: Matcher = None
    times: int | None = None  # only the first N matches
    rate: float | None = None  # this share of matches (seeded)
    after: int | None = None  # every match once N requests passed through the proxy
    status: int | None = None  # server_error: 500 (default) or 503 ...
    seconds: float = 5.0  # timeout: how long to hold the request unanswered
    retry_after: int = 1  # Azure throttle: the Retry-After header
    fired: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (expected one of {', '.join(KINDS)})")


@dataclass(frozen=True)
class Call:
    """What the proxy understood of one request."""

    provider: str  # aws | azure
    service: str
    region: str | None
    operation: str
    method: str
    path: str  # with the query string
    protocol: str  # rest-xml, s3control, ec2, query, json, rest-json, arm, entra
    access_key: str | None = None
    account: str | None = None
    key: str = ""  # the same for every attempt of one call: a digest of method, path and body
    body: bytes = field(default=b"", repr=False)


@dataclass(frozen=True)
class Entry:
    """One request in the log: ``status`` is what the client got (None when the
    connection was reset or held until the client gave up), ``fault`` the kind
    injected (None when forwarded untouched)."""

    seq: int
    provider: str
    service: str
    region: str | None
    operation: str
    method: str
    path: str
    status: int | None
    fault: str | None
    access_key: str | None
    account: str | None
    key: str  # equal for the retries of one call
    seconds: float  # from the request's arrival to its answer (or reset)
    at: float  # time.monotonic() of the arrival
    body: bytes = field(default=b"", repr=False)  # the request's


class FaultProxy:
    def __init__(self, upstream: str, *, delay: float = 0.0, tls: trustme.CA | None = None, seed: int = 0,
                 upstream_ca: str | Path | None = None) -> None:
        """``tls``: serve HTTPS with a certificate for 127.0.0.1/localhost from this
        CA. ``upstream_ca``: the CA file to verify an https upstream with (without it
        a local https upstream is not verified: it is a test server on 127.0.0.1)."""
        parts = urlsplit(upstream)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"upstream must be an http(s) URL, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._upstream_host = parts.hostname
        self._upstream_port = parts.port or (443 if parts.scheme == "https" else 80)
        self._upstream_tls: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self._upstream_tls = (ssl.create_default_context(cafile=str(upstream_ca)) if upstream_ca
                                  else ssl._create_unverified_context())
        self.delay = delay
        self.ca = tls
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._rules: list[Rule] = []
        self._log: list[Entry] = []
        self._seq = 0
        self._accounts: dict[str, str] = {}  # access key id -> account id, learned from STS answers
        self._stopping = threading.Event()
        self._clients: set[socket.socket] = set()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._httpd = _Server(("127.0.0.1", 0), handler)
        scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.issue_cert("127.0.0.1", "localhost").configure_cert(context)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True,
                                                     do_handshake_on_connect=False)
            scheme = "https"
        self.port = self._httpd.server_address[1]
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fault-proxy", daemon=True)
        self._started = False

    # lifecycle ---------------------------------------------------------------------

    def start(self) -> FaultProxy:
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._started:
            self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            clients = list(self._clients)
        for sock in clients:  # idle keep-alive connections would hold their threads
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # rules and log -----------------------------------------------------------------

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Removes every rule (the log stays)."""
        with self._lock:
            self._rules.clear()

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()

    @property
    def log(self) -> list[Entry]:
        """A copy of the log, in the order answers were given."""
        with self._lock:
            return list(self._log)

    def faulted(self) -> list[Entry]:
        return [entry for entry in self.log if entry.fault is not None]

    def counts(self, *fields: str) -> Counter[Any]:
        """Log entries counted by one field (default ``fault``) or a tuple of fields:
        ``counts()``, ``counts("operation")``, ``counts("fault", "operation")``."""
        names = fields or ("fault",)
        if len(names) == 1:
            return Counter(getattr(entry, names[0]) for entry in self.log)
        return Counter(tuple(getattr(entry, name) for name in names) for entry in self.log)

    def write_ca_bundle(self, path: str | Path, *also: str | Path) -> Path:
        """A PEM bundle of this proxy's CA plus other CA files (the upstream's, for
        clients that also reach it directly, such as the sign-in authority)."""
        if self.ca is None:
            raise ValueError("this proxy serves plain http: there is no CA to trust")
        pems = [self.ca.cert_pem.bytes()] + [Path(p).read_bytes() for p in also]
        target = Path(path)
        target.write_bytes(b"\n".join(pem.strip() + b"\n" for pem in pems))
        return target

    # used by the handler -----------------------------------------------------------

    def _next_seq(self) -> int:
        with self._lock:
            self._seq += 1
            return self._seq

    def _account_of(self, access_key: str | None) -> str | None:
        with self._lock:
            return self._accounts.get(access_key or "")

    def _learn_accounts(self, call: Call, body: bytes) -> None:
        """STS answers say which account an access key belongs to (the caller's, and
        the new keys of an assumed role), so rules and the log can name accounts."""
        if call.service != "sts":
            return
        learned: dict[str, str] = {}
        if call.operation == "GetCallerIdentity" and call.access_key:
            found = _ACCOUNT_IN_ANSWER.search(body)
            if found:
                learned[call.access_key] = found.group(1).decode()
        for match in _ASSUMED.finditer(body):
            learned[match.group(1).decode()] = match.group(2).decode()
        for match in _ASSUMED_REVERSED.finditer(body):
            learned[match.group(2).decode()] = match.group(1).decode()
        if learned:
            with self._lock:
                self._accounts.update(learned)

    def _rule_for(self, call: Call, seq: int) -> Rule | None:
        with self._lock:
            for rule in self._rules:
                if not _matches(rule, call):
                    continue
                if rule.times is not None and rule.fired >= rule.times:
                    continue
                if rule.after is not None and seq <= rule.after:
                    continue
                if rule.rate is not None and self._rng.random() >= rule.rate:
                    continue
                rule.fired += 1
                return rule
        return None

    def _record(self, call: Call, seq: int, status: int | None, fault: str | None, arrived: float) -> None:
        entry = Entry(seq, call.provider, call.service, call.region, call.operation, call.method, call.path, status,
                      fault, call.access_key, call.account, call.key, round(time.monotonic() - arrived, 4), arrived,
                      call.body)
        with self._lock:
            self._log.append(entry)

    def _track(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._clients.add(sock)
            else:
                self._clients.discard(sock)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # many keep-alive clients connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hung up or failed the TLS handshake is not the proxy's error
        import sys

        if not isinstance(sys.exc_info()[1], (OSError, ssl.SSLError)):
            super().handle_error(request, client_address)


def _field_matches(matcher: Matcher, value: str | None) -> bool:
    if matcher is None:
        return True
    if value is None:
        return False
    if isinstance(matcher, re.Pattern):
        return matcher.search(value) is not None
    return matcher.lower() == value.lower()


def _matches(rule: Rule, call: Call) -> bool:
    if rule.path is not None:
        pattern = rule.path if isinstance(rule.path, re.Pattern) else re.compile(rule.path)
        if not pattern.search(call.path):
            return False
    return all((
        _field_matches(rule.provider, call.provider),
        _field_matches(rule.service, call.service),
        _field_matches(rule.operation, call.operation),
        _field_matches(rule.region, call.region),
        _field_matches(rule.access_key, call.access_key),
        _field_matches(rule.account, call.account),
    ))


# request identification ------------------------------------------------------------


def identify(method: str, target: str, headers: Any, body: bytes, account_of: Any = None) -> Call:
    """Which provider, service, region and operation a request is."""
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    auth = headers.get("Authorization") or ""
    scope = _CREDENTIAL_SCOPE.search(auth) or _CREDENTIAL_SCOPE.search(
        "Credential=" + (query.get("X-Amz-Credential") or [""])[0])
    if scope is None:
        return _identify_azure(method, parts.path, target)
    access_key, region, service = scope.group(1), scope.group(2), scope.group(3)
    amz_target = headers.get("X-Amz-Target")
    action = (query.get("Action") or [""])[0]
    if not action and body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        action = (parse_qs(body.decode("utf-8", "replace")).get("Action") or [""])[0]
    if amz_target:
        protocol, operation = "json", amz_target.rsplit(".", 1)[-1]
    elif action:
        protocol, operation = ("ec2" if service == "ec2" else "query"), action
    else:
        name = _SIGNING_TO_SERVICE.get(service, service)
        if service == "s3" and parts.path.startswith("/v20180820/"):
            name = "s3control"
        protocol = "s3control" if name == "s3control" else ("rest-xml" if name in _REST_XML_SERVICES else "rest-json")
        operation = _rest_operation(name, method, parts.path, query)
    account = account_of(access_key) if account_of else None
    return Call("aws", service, region, operation, method, target, protocol, access_key, account)


def _identify_azure(method: str, path: str, target: str) -> Call:
    if "/oauth2/" in path or "/.well-known/" in path:
        return Call("azure", "entra", None, f"{method} {path.rsplit('/', 1)[-1]}", method, target, "entra")
    segments = [s for s in path.split("/") if s]
    account = segments[1].lower() if len(segments) > 1 and segments[0].lower() == "subscriptions" else None
    return Call("azure", arm_service(path), None, f"{method} {arm_type(path)}", method, target, "arm", None, account)


def arm_type(path: str) -> str:
    """The ARM resource type a path reads, e.g. Microsoft.Storage/storageAccounts/
    blobServices/containers for a container listing (names dropped)."""
    segments = [s for s in path.split("/") if s]
    lowered = [s.lower() for s in segments]
    if "providers" in lowered:
        at = len(lowered) - 1 - lowered[::-1].index("providers")
        if at + 1 < len(segments):
            namespace, rest = segments[at + 1], segments[at + 2:]
            return "/".join([namespace, *rest[0::2]])
    # no provider namespace: subscriptions, resource groups
    return "/".join(["Microsoft.Resources", *segments[0::2]]) if segments else "Microsoft.Resources"


def arm_service(path: str) -> str:
    """storage, network, keyvault, sql, web, insights, security, resources ..."""
    namespace = arm_type(path).split("/", 1)[0]
    return namespace.split(".", 1)[-1].lower()


# (method, path regex, required query keys and values, length of the literal path, name)
Route = tuple[str, re.Pattern[str], tuple[tuple[str, str | None], ...], int, str]


@lru_cache(maxsize=64)
def _routes(service: str) -> tuple[Route, ...]:
    """The routes of each REST operation of a botocore service model."""
    import botocore.exceptions
    import botocore.loaders

    try:
        model = botocore.loaders.create_loader().load_service_model(service, "service-2")
    except botocore.exceptions.UnknownServiceError:
        return ()
    routes: list[Route] = []
    for name, operation in model["operations"].items():
        http = operation.get("http", {})
        uri = str(http.get("requestUri", "/"))
        path_template, _, query_template = uri.partition("?")
        regex = "".join(
            ("[^/]+" if not piece.endswith("+}") else ".+") if piece.startswith("{") else re.escape(piece)
            for piece in re.split(r"(\{[^}]+\})", path_template) if piece
        )
        required = tuple(
            (key, value or None)
            for key, _, value in (part.partition("=") for part in query_template.split("&") if part)
        )
        literal = len(re.sub(r"\{[^}]+\}", "", path_template))
        routes.append((str(http.get("method", "GET")), re.compile(f"{regex}/?$"), required, literal, name))
    return tuple(routes)


def _rest_operation(service: str, method: str, path: str, query: dict[str, list[str]]) -> str:
    """Best effort for REST services: the most specific operation of the service model
    whose method, path template and literal query keys (S3's ?acl, ?policy ...) match."""
    best: tuple[int, int, str] | None = None
    for route_method, regex, required, literal, name in _routes(service):
        if route_method != method or not regex.match(path):
            continue
        if not all(key in query and (value is None or value in query[key]) for key, value in required):
            continue
        score = (len(required), literal, name)
        if best is None or score[:2] > best[:2]:
            best = score
    return best[2] if best else f"{method} {path}"


# answers ---------------------------------------------------------------------------

# (status, code, message) per protocol family and fault kind
_AWS_ERRORS: dict[str, dict[str, tuple[int, str, str]]] = {
    "rest-xml": {
        "throttle": (503, "SlowDown", "Please reduce your request rate."),
        "access_denied": (403, "AccessDenied", "Access Denied"),
        "expired_token": (400, "ExpiredToken", "The provided token has expired."),
        "server_error": (500, "InternalError", "We encountered an internal error. Please try again."),
    },
    "ec2": {
        "throttle": (503, "RequestLimitExceeded", "Request limit exceeded."),
        "access_denied": (403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
        "expired_token": (400, "RequestExpired", "Request has expired."),
        "server_error": (500, "InternalError", "An internal error has occurred."),
    },
    "query": {
        "throttle": (400, "Throttling", "Rate exceeded"),
        "access_denied": (403, "AccessDenied", "User is not authorized to perform this action"),
        "expired_token": (403, "ExpiredToken", "The security token included in the request is expired"),
        "server_error": (500, "InternalFailure", "The request processing has failed."),
    },
    "json": {
        "throttle": (400, "ThrottlingException", "Rate exceeded"),
        "access_denied": (400, "AccessDeniedException", "User is not authorized to perform this action"),
        "expired_token": (400, "ExpiredTokenException", "The security token included in the request is expired"),
        "server_error": (500, "InternalFailure", "The request processing has failed."),
    },
    "rest-json": {
        "throttle": (400, "ThrottlingException", "Rate exceeded"),
        "access_denied": (403, "AccessDeniedException", "User is not authorized to perform this action"),
        "expired_token": (403, "ExpiredTokenException", "The security token included in the request is expired"),
        "server_error": (500, "InternalFailure", "The request processing has failed."),
    },
}
_AWS_ERRORS["s3control"] = _AWS_ERRORS["rest-xml"]
_UNAVAILABLE = {"rest-xml": "ServiceUnavailable", "s3control": "ServiceUnavailable", "ec2": "Unavailable",
                "query": "ServiceUnavailable", "json": "ServiceUnavailable", "rest-json": "ServiceUnavailable"}
_ARM_ERRORS: dict[str, tuple[int, str, str]] = {
    "throttle": (429, "TooManyRequests", "The request is being throttled."),
    "access_denied": (403, "AuthorizationFailed", "The client does not have authorization to perform this action."),
    "expired_token": (401, "InvalidAuthenticationTokenTokenExpired", "The access token has expired."),
    "server_error": (500, "InternalServerError", "An internal server error occurred."),
}


def error_answer(call: Call, rule: Rule) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of an injected error, in the protocol's own shape."""
    request_id = str(uuid.uuid4())
    if call.protocol in ("arm", "entra"):
        status, code, message = _ARM_ERRORS[rule.kind]
        if rule.kind == "server_error" and rule.status:
            status, code = rule.status, ("ServiceUnavailable" if rule.status == 503 else code)
        headers = {"Content-Type": "application/json; charset=utf-8", "x-ms-request-id": request_id}
        if rule.kind == "throttle":
            headers["Retry-After"] = str(rule.retry_after)
        if rule.kind == "expired_token":
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token", error_description="The access token expired"'
        return status, headers, json.dumps({"error": {"code": code, "message": message}}).encode()
    status, code, message = _AWS_ERRORS[call.protocol][rule.kind]
    if rule.kind == "server_error" and rule.status:
        status = rule.status
        if status == 503:
            code = _UNAVAILABLE[call.protocol]
    if call.protocol in ("json", "rest-json"):
        content_type = "application/x-amz-json-1.1" if call.protocol == "json" else "application/json"
        headers = {"Content-Type": content_type, "x-amzn-RequestId": request_id, "x-amzn-ErrorType": code}
        return status, headers, json.dumps({"__type": code, "message": message}).encode()
    headers = {"Content-Type": "text/xml" if call.protocol != "rest-xml" else "application/xml",
               "x-amz-request-id": request_id}
    if call.protocol == "rest-xml":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
                f"<RequestId>{request_id}</RequestId><HostId>skyscan-fault-proxy</HostId></Error>")
    elif call.protocol == "ec2":
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
                f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>")
    else:  # query and S3 Control
        kind = "Receiver" if status >= 500 else "Sender"
        body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>")
    return status, headers, body.encode()


def malformed_body(call: Call) -> tuple[str, bytes]:
    """(content type, body) of a 200 that the protocol's parser cannot read."""
    if call.protocol in ("json", "rest-json", "arm", "entra"):
        return "application/json", b'{"value": [{"id": "/not-json-any-more'
    return "text/xml", b"<?xml version='1.0'?><Response><unclosed>"


class _Handler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"
    timeout = 120  # an idle keep-alive connection is dropped after this
    # headers and body go out in two writes: with Nagle's algorithm the body waits for
    # the client's delayed ACK (~40 ms a request), a latency no cloud has
    disable_nagle_algorithm = True
    _upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: Any) -> None:  # the proxy's own log is enough
        pass

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.request.close()
                raise
        super().setup()
        self.proxy._track(self.request, True)

    def finish(self) -> None:
        self.proxy._track(self.request, False)
        try:
            super().finish()
        finally:
            if self._upstream is not None:
                self._upstream.close()

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True  # the client went away: nothing to answer

    def do_GET(self) -> None:
        self._proxy()

    def do_HEAD(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_PUT(self) -> None:
        self._proxy()

    def do_PATCH(self) -> None:
        self._proxy()

    def do_DELETE(self) -> None:
        self._proxy()

    def do_OPTIONS(self) -> None:
        self._proxy()

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _proxy(self) -> None:
        proxy = self.proxy
        body = self._read_body()
        arrived = time.monotonic()
        seq = proxy._next_seq()
        call = identify(self.command, self.path, self.headers, body, proxy._account_of)
        said = f"{call.method} {call.path} {call.region} {call.access_key} ".encode() + body
        call = replace(call, key=hashlib.sha1(said).hexdigest()[:16], body=body)
        if proxy.delay > 0:
            time.sleep(proxy.delay)
        rule = proxy._rule_for(call, seq)
        kind = rule.kind if rule is not None else None
        if rule is not None and kind == "reset":
            proxy._record(call, seq, None, kind, arrived)
            self._reset()
            return
        if rule is not None and kind == "timeout":
            proxy._record(call, seq, None, kind, arrived)
            proxy._stopping.wait(rule.seconds)
            self._reset()
            return
        if rule is not None and kind in ("throttle", "server_error", "access_denied", "expired_token"):
            status, error_headers, answer = error_answer(call, rule)
            proxy._record(call, seq, status, kind, arrived)
            self._answer(status, "", list(error_headers.items()), answer)
            return
        if rule is not None and kind == "malformed":
            content_type, answer = malformed_body(call)
            proxy._record(call, seq, 200, kind, arrived)
            self._answer(200, "OK", [("Content-Type", content_type)], answer)
            return
        try:
            status, reason, headers, answer = self._forward(body)
        except (OSError, http.client.HTTPException) as exc:
            message = f"fault proxy: upstream unreachable ({exc.__class__.__name__})".encode()
            proxy._record(call, seq, 502, None, arrived)
            self._answer(502, "Bad Gateway", [("Content-Type", "text/plain")], message)
            return
        if call.provider == "aws" and status == 200:
            proxy._learn_accounts(call, answer)
        if kind == "truncated" and status == 200 and len(answer) > 1:
            proxy._record(call, seq, 200, kind, arrived)
            self._answer(200, reason, headers, answer[: len(answer) // 2])
            return
        if kind == "truncated":  # nothing to cut: the fault did not happen
            assert rule is not None
            with proxy._lock:
                rule.fired -= 1
            kind = None
        proxy._record(call, seq, status, kind, arrived)
        self._answer(status, reason, headers, answer)

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        for attempt in range(2):  # a kept-alive upstream connection may have been closed
            connection = self._connection()
            try:
                connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for name, value in self.headers.items():
                    if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                        connection.putheader(name, value)
                if body or self.command in ("POST", "PUT", "PATCH"):
                    connection.putheader("Content-Length", str(len(body)))
                connection.endheaders(body or None)
                response = connection.getresponse()
                answer = response.read()
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                connection.close()
                self._upstream = None
                if attempt:
                    raise
                continue
            if response.will_close:
                connection.close()
                self._upstream = None
            headers = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, response.reason, headers, answer
        raise AssertionError("unreachable")

    def _connection(self) -> http.client.HTTPConnection:
        if self._upstream is None:
            proxy = self.proxy
            if proxy._upstream_tls is not None:
                self._upstream = http.client.HTTPSConnection(proxy._upstream_host, proxy._upstream_port,
                                                             timeout=300, context=proxy._upstream_tls)
            else:
                self._upstream = http.client.HTTPConnection(proxy._upstream_host, proxy._upstream_port, timeout=300)
        return self._upstream

    def _answer(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status, reason or None)
        has_length = False
        for name, value in headers:
            if name.lower() == "content-length":
                if self.command != "HEAD":
                    continue  # set below from the body actually sent
                has_length = True
            self.send_header(name, value)
        if not has_length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def _reset(self) -> None:
        """Close the connection without an answer (an RST, not a clean FIN)."""
        self.close_connection = True
        self.proxy._track(self.request, False)
        with contextlib.suppress(OSError):
            self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # closed here, before the server's orderly shutdown(SHUT_WR) could send a FIN
            os.close(self.request.detach())


def entries(log: list[Entry], **where: Any) -> Iterator[Entry]:
    """The log entries whose fields equal ``where``: ``entries(proxy.log, fault="throttle")``."""
    for entry in log:
        if all(getattr(entry, name) == value for name, value in where.items()):
            yield entry
