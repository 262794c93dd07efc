"""The AWS side of collection: session, account, region-scoped clients, error typing.

Clients are created here only, each with the read-only guard and a deliberate retry
mode, so no collector can forget either.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.config
import botocore.exceptions

from scanner.collect.aws.answers import MalformedResponse, reject_unreadable
from scanner.collect.base import CollectResult, SetupError
from scanner.collect.pool import Pool
from scanner.snapshot import CollectionError

# An operation is a read when its name starts with one of these.
READ_PREFIXES = ("Get", "List", "Describe", "Head")
# Operations allowed although their names are not reads: each changes no configuration.
# GenerateCredentialReport only asks IAM to (re)build the credential report that
# GetCredentialReport returns (AWS's SecurityAudit policy grants it for that reason).
READ_ALSO = frozenset({"GenerateCredentialReport"})
# Allowed for one service only. STS AssumeRole hands out temporary credentials for a role
# (--role-arn, --org) and changes nothing in any account; only the sts client may send it.
READ_ALSO_BY_SERVICE: dict[str, frozenset[str]] = {"sts": frozenset({"AssumeRole"})}
THROTTLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
    }
)

# the DNS suffixes of AWS endpoints in every partition
AWS_DNS_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws", ".c2s.ic.gov", ".sc2s.sgov.gov")
# DescribeRegions OptInStatus values of regions the account can use ("not-opted-in" is not)
ENABLED_OPT_IN_STATUSES = frozenset({"opt-in-not-required", "opted-in"})
# the resource type named by a failed region discovery: no check reads it, but the
# error still marks the scan incomplete
REGIONS_RESOURCE_TYPE = "aws.region"


class AwsSetupError(SetupError):
    """Credentials or configuration that prevent any AWS read (a usage error)."""


class WriteOperationRefused(Exception):
    """Raised by the read-only guard before a non-read request leaves the process."""


def _refuse_writes(model: Any, **_: Any) -> None:
    allowed_here = READ_ALSO_BY_SERVICE.get(model.service_model.service_name, frozenset())
    if not model.name.startswith(READ_PREFIXES) and model.name not in READ_ALSO | allowed_here:
        raise WriteOperationRefused(f"skyscan only reads: refused {model.name}")


def is_aws_host(host: str) -> bool:
    """Whether a host name is under AWS's own DNS (where "<account>." prefixes resolve)."""
    name = host.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    return name.endswith(AWS_DNS_SUFFIXES)


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class AwsContext:
    """One account's session plus everything collectors need to read it."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        account: str,
        home_region: str,
        regions: tuple[str, ...] | None,
        endpoint_url: str | None,
        pool: Pool,
        max_attempts: int = 5,
        profile: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.session = session
        # kept so that the contexts of assumed roles read with the same patience
        self.max_attempts, self.timeout = max_attempts, timeout
        self.profile = profile  # the named profile, kept so assumed-role sessions share its configuration
        self.account = account
        self.home_region = home_region
        self.partition = partition_of(home_region)
        self.regions = regions  # None: every region the account has
        self.endpoint_url = endpoint_url
        self.pool = pool
        self._config = botocore.config.Config(
            retries={"mode": "adaptive", "max_attempts": max_attempts},
            max_pool_connections=max(pool.max_workers, 10),
            connect_timeout=min(10.0, timeout),
            read_timeout=timeout,
        )
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()
        self._enabled_regions: tuple[str, ...] | None = None
        self._regions_lock = threading.Lock()

    @classmethod
    def open(
        cls,
        *,
        profile: str | None,
        regions: tuple[str, ...] | None,
        endpoint_url: str | None,
        pool: Pool,
        max_attempts: int = 5,
        timeout: float = 60.0,
    ) -> AwsContext:
        """Build the session and learn the account id; AwsSetupError when impossible.
        ``max_attempts``: botocore's retries after the first attempt; ``timeout``: the
        read timeout of every attempt, in seconds."""
        try:
            session = boto3.Session(profile_name=profile)
        except botocore.exceptions.ProfileNotFound:
            raise AwsSetupError(f"--profile: AWS profile {profile!r} is not configured") from None
        home = session.region_name or (regions[0] if regions else "us-east-1")
        if session.get_credentials() is None:
            raise AwsSetupError(
                "no AWS credentials found (use --profile, AWS_PROFILE or the AWS_* environment variables)"
            )
        probe = cls(
            session, account="", home_region=home, regions=regions, endpoint_url=endpoint_url, pool=pool,
            profile=profile, max_attempts=max_attempts, timeout=timeout,
        )
        try:
            identity = probe.client("sts", home).get_caller_identity()
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            raise AwsSetupError(f"AWS credentials were rejected by STS ({code})") from None
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsSetupError(f"cannot reach AWS STS: {exc.__class__.__name__}") from None
        probe.account = str(identity["Account"])
        return probe

    def client(self, service: str, region: str) -> Any:
        """A cached client for one service and region, guarded to read only."""
        key = (service, region)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                # the stubs type clients per literal service name; this factory serves any
                client = self.session.client(  # type: ignore[call-overload]
                    service, region_name=region, endpoint_url=self.endpoint_url, config=self._config
                )
                events = client.meta.events
                events.register("before-call.*.*", _refuse_writes)
                self._account_calls(events, service, region)
                events.register("before-parse.*.*", self._reject_unreadable)
                endpoint_host = urlsplit(client.meta.endpoint_url).netloc
                if service == "s3control" and not is_aws_host(endpoint_host):
                    events.register("before-sign.s3-control.*", self._to_endpoint_host(endpoint_host))
                self._clients[key] = client
            return client

    def _reject_unreadable(self, **kwargs: Any) -> None:
        try:
            reject_unreadable(**kwargs)
        except MalformedResponse:
            self.pool.request_finished()  # the attempt ends here: botocore sends no needs-retry
            raise

    def _account_calls(self, events: Any, service: str, region: str) -> None:
        """Hook the client into the pool: every attempt waits for a slot in flight, and
        every call, retry and throttling answer is counted in the ledger."""
        pool = self.pool

        def account() -> str:  # unknown only for the first GetCallerIdentity
            return self.account or "unknown"

        def started(**_: Any) -> None:
            pool.request_started(self.account, service)

        def attempted(attempts: int, response: Any = None, operation: Any = None, **_: Any) -> None:
            pool.request_finished()
            http, parsed = response if response is not None else (None, {})
            throttled = (http is not None and http.status_code == 429) or (
                str(parsed.get("Error", {}).get("Code", "")) in THROTTLE_CODES
            )
            pool.calls.count(
                "aws", account(), region, service, operation.name,
                retries=int(attempts > 1), throttled=int(throttled),
            )

        def called(model: Any, http_response: Any, **_: Any) -> None:
            failed = int(http_response.status_code >= 300)
            pool.calls.count("aws", account(), region, service, model.name, calls=1, failed=failed)

        def broke(event_name: str, **_: Any) -> None:  # no answer at all (timeout, reset)
            operation = event_name.rsplit(".", 1)[-1]
            pool.calls.count("aws", account(), region, service, operation, calls=1, failed=1)

        events.register("before-send.*.*", started)
        events.register("needs-retry.*.*", attempted)
        events.register("after-call.*.*", called)
        events.register("after-call-error.*.*", broke)

    def enabled_regions(self, result: CollectResult) -> tuple[str, ...]:
        """The regions a regional collector reads: those enabled for the account
        (EC2 DescribeRegions, asked once from the home region), narrowed to ``regions``
        when the user gave them. Every later call, from any thread, gets the cached
        answer. When DescribeRegions fails the answer falls back to ``regions`` (or the
        home region) and the failure is recorded in ``result`` once, so the scan is
        reported incomplete rather than silently narrowed."""
        with self._regions_lock:
            if self._enabled_regions is None:
                self._enabled_regions = self._discover_regions(result)
            return self._enabled_regions

    def _discover_regions(self, result: CollectResult) -> tuple[str, ...]:
        try:
            answer = self.client("ec2", self.home_region).describe_regions()
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            result.fail(
                self.error(
                    exc,
                    region=self.home_region,
                    service="ec2",
                    operation="DescribeRegions",
                    resource_type=REGIONS_RESOURCE_TYPE,
                )
            )
            return self.regions or (self.home_region,)
        enabled = {
            str(region["RegionName"])
            for region in answer.get("Regions", [])
            # without AllRegions AWS lists only usable regions; emulators may list all,
            # even other partitions' (which these credentials cannot reach)
            if region.get("OptInStatus", "opt-in-not-required") in ENABLED_OPT_IN_STATUSES
            and partition_of(str(region["RegionName"])) == self.partition
        }
        if self.regions is not None:
            return tuple(r for r in self.regions if r in enabled)
        return tuple(sorted(enabled))

    def _to_endpoint_host(self, endpoint_host: str) -> Callable[..., None]:
        """S3 Control puts "<account>." in front of the host. Behind an endpoint
        override that is not AWS's own DNS (an emulator, given by --endpoint-url or by
        AWS_ENDPOINT_URL / the profile's endpoint_url) that name does not resolve, so
        send the request to the override's own host."""

        def rewrite(request: Any, **_: Any) -> None:
            parts = urlsplit(request.url)
            if parts.netloc == f"{self.account}.{endpoint_host}":
                request.url = urlunsplit(parts._replace(netloc=endpoint_host))
                if "Host" in request.headers:
                    request.headers.replace_header("Host", endpoint_host)

        return rewrite

    def error(
        self,
        exc: Exception,
        *,
        region: str,
        service: str,
        operation: str,
        resource_type: str,
        resource_id: str | None = None,
    ) -> CollectionError:
        """Turn an SDK exception into a typed collection error."""
        code, message = describe_error(exc)
        return CollectionError(
            provider="aws",
            account=self.account,
            region=region,
            service=service,
            operation=operation,
            code=code,
            message=message,
            resource_type=resource_type,
            resource_id=resource_id,
        )


def error_code(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        return str(exc.response.get("Error", {}).get("Code", "Unknown"))
    return ""


def describe_error(exc: Exception) -> tuple[str, str]:
    """(code, message) for a collection error; never includes credentials."""
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        code = str(err.get("Code", "Unknown"))
        if code in THROTTLE_CODES:
            return "Throttled", f"{code}: throttled past the retry budget"
        return code, str(err.get("Message", ""))[:300]
    if isinstance(exc, (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError)):
        return "Timeout", exc.__class__.__name__
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return "ConnectionError", "could not connect to the endpoint"
    if isinstance(exc, botocore.exceptions.ConnectionClosedError):
        return "ConnectionError", "the connection closed before an answer"
    if isinstance(exc, WriteOperationRefused):
        return "WriteRefused", str(exc)
    if isinstance(exc, MalformedResponse):
        return "MalformedResponse", str(exc)
    return exc.__class__.__name__, str(exc)[:300]
