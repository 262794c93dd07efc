"""What a Dask worker runs for one collection unit, with its own credentials.

The worker builds its session from its own environment: on AWS the default credential
chain or the unit's profile, then AssumeRole into each role the unit names (the
ExternalId, when wanted, from SKYSCAN_EXTERNAL_ID); on Azure its own azure-identity
credential. The credentials reached for one account are kept in this process and reused
by later units of that account (botocore refreshes assumed roles before they expire), so
a worker assumes each role once, not once per unit. Each unit gets its own Pool, so its
calls are counted in its own shard.

A unit's result is snapshot JSON collected by ``runner.collect``, exactly as a local scan
collects one (a collector that raises becomes a CollectorFailed error there). Anything
that prevents a unit from running at all (no credentials on the worker, an unreachable
endpoint, a collector missing from this worker's installation) raises, so Dask retries
the unit and the driver records it as a collection error if it keeps failing.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from scanner import runner
from scanner.collect import catalog
from scanner.collect.base import CollectorSpec, CollectResult, UnreachableScope
from scanner.collect.pool import Pool
from scanner.executors.units import EXTERNAL_ID_VARIABLE, AwsAccess, AzureAccess, Opened, Unit
from scanner.snapshot import Scope, Snapshot

if TYPE_CHECKING:
    from scanner.collect.aws.context import AwsContext


class WorkerSetupError(Exception):
    """This worker cannot run the unit as configured (its environment lacks something)."""


def open_account(unit: Unit) -> Opened:
    """The opening unit of an AWS account: reach it (assume its role) and, when asked,
    learn its enabled regions with the same code a local scan uses."""
    started = time.monotonic()
    with _pool(unit) as pool:
        context = _aws_context(unit, pool)
        result = CollectResult()
        enabled: tuple[str, ...] | None = None
        unreachable = context if isinstance(context, UnreachableScope) else None
        if not isinstance(context, UnreachableScope) and unit.discover:
            enabled = context.enabled_regions(result)
        stats = pool.calls.stats(time.monotonic() - started, pool.max_workers)
    shard = Snapshot(errors=result.errors, stats=stats).to_json()
    return Opened(enabled, unreachable, shard)


def run_unit(unit: Unit) -> dict[str, Any]:
    """Collect one unit; its snapshot as JSON."""
    collector = _collector(unit)
    with _pool(unit) as pool:
        access = unit.access
        context = _aws_context(unit, pool) if isinstance(access, AwsAccess) else _azure_context(access, pool)
        scope = Scope(unit.provider, unit.account, unit.regions or ())
        snap = runner.collect([(context, scope)], [collector], pool, wanted=dict(unit.wanted or ()) or None)
    return snap.to_json()


def _pool(unit: Unit) -> Pool:
    return Pool(unit.max_workers, dict(unit.service_limits) if unit.service_limits is not None else None)


def _collector(unit: Unit) -> CollectorSpec:
    for collector in catalog.collectors(unit.provider):
        if collector.name == unit.collector:
            return collector
    raise WorkerSetupError(f"collector {unit.collector!r} is not installed on this worker")


# AWS ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Identity:
    credentials: Any  # botocore Credentials (refreshable for assumed roles and instance roles)
    account: str


_lock = threading.Lock()
_identities: dict[AwsAccess, _Identity] = {}
_opening: dict[AwsAccess, threading.Lock] = {}


def _aws_context(unit: Unit, pool: Pool) -> AwsContext | UnreachableScope:
    assert isinstance(unit.access, AwsAccess)
    access = unit.access
    identity = _identity(access, pool)
    if isinstance(identity, UnreachableScope):
        return identity
    from scanner.collect.aws.context import AwsContext

    class Planned(AwsContext):
        """Knows the enabled regions the opening unit learned: one DescribeRegions per
        account, however many units read it."""

        def enabled_regions(self, result: CollectResult) -> tuple[str, ...]:
            return unit.enabled if unit.enabled is not None else super().enabled_regions(result)

    return Planned(
        _session(access, identity.credentials),
        account=identity.account,
        home_region=access.home_region,
        regions=unit.regions,
        endpoint_url=access.endpoint_url,
        pool=pool,
        profile=access.profile,
        timeout=access.timeout,
        **_attempts(access),
    )


def _attempts(access: AwsAccess) -> dict[str, int]:
    return {} if access.max_attempts is None else {"max_attempts": access.max_attempts}


def _identity(access: AwsAccess, pool: Pool) -> _Identity | UnreachableScope:
    with _lock:
        known = _identities.get(access)
        opening = _opening.setdefault(access, threading.Lock())
    if known is not None:
        return known
    with opening:  # one AssumeRole chain per account and process, however many units wait
        with _lock:
            known = _identities.get(access)
        if known is not None:
            return known
        # the identity outlives this unit (botocore refreshes assumed roles through the
        # STS client that assumed them): it gets a pool of its own, never closed, and
        # this unit's shard counts the calls made to reach it
        own = Pool(2)
        found = _reach(access, own)
        for op in own.calls.stats(0.0, 0).operations:
            pool.calls.count(op.provider, op.account, op.region, op.service, op.operation, calls=op.calls,
                             retries=op.retries, throttled=op.throttled, failed=op.failed)
        if isinstance(found, _Identity):
            with _lock:
                _identities[access] = found
        return found


def _reach(access: AwsAccess, pool: Pool) -> _Identity | UnreachableScope:
    """The worker's own credentials, then the unit's roles in turn. A role that cannot
    be assumed makes the account unreachable, as in a local scan."""
    import boto3
    import botocore.exceptions

    from scanner.collect.aws.accounts import AssumeRoleFailed, assume
    from scanner.collect.aws.context import AwsContext

    try:
        session = boto3.Session(profile_name=access.profile, region_name=access.home_region)
    except botocore.exceptions.ProfileNotFound:
        raise WorkerSetupError(f"AWS profile {access.profile!r} is not configured on this worker") from None
    credentials = session.get_credentials()
    if credentials is None:
        raise WorkerSetupError("this worker has no AWS credentials (environment, profile or instance role)")
    hub = AwsContext(
        _session(access, credentials), account="", home_region=access.home_region, regions=None,
        endpoint_url=access.endpoint_url, pool=pool, profile=access.profile, timeout=access.timeout,
        **_attempts(access),
    )
    hub.account = str(hub.client("sts", access.home_region).get_caller_identity()["Account"])
    if not access.roles:
        if hub.account != access.account:
            return UnreachableScope("sts", "GetCallerIdentity", "WrongAccount",
                                    f"the worker's credentials act in account {hub.account}")
        return _Identity(credentials, hub.account)
    external_id = None
    if access.external_id:
        external_id = os.environ.get(EXTERNAL_ID_VARIABLE)
        if not external_id:
            raise WorkerSetupError(f"the roles need an ExternalId and {EXTERNAL_ID_VARIABLE} is not set on this worker")
    try:
        for arn in access.roles:
            hub = assume(hub, arn, session_name=access.session_name, external_id=external_id)
    except AssumeRoleFailed as exc:
        return UnreachableScope("sts", "AssumeRole", exc.code, exc.message)
    return _Identity(hub.session.get_credentials(), hub.account)


def _session(access: AwsAccess, credentials: Any) -> Any:
    """A fresh boto3 session (sessions are not shared between threads) that hands out
    ``credentials`` and keeps the profile's configuration."""
    from scanner.collect.aws.accounts import session_with

    return session_with(credentials, profile=access.profile, region=access.home_region)


# Azure ----------------------------------------------------------------------------------

_azure_credentials: dict[Any, Any] = {}


def _azure_context(access: AzureAccess, pool: Pool) -> Any:
    from scanner.collect.azure.arm import ArmOptions
    from scanner.collect.azure.context import open_contexts
    from scanner.collect.azure.identity import build_credential

    settings = replace(access.settings, subscriptions=(access.account,))
    key = replace(settings, subscriptions=())
    with _lock:  # one credential per identity and process: its tokens are cached and reused
        credential = _azure_credentials.get(key)
        if credential is None:
            credential = _azure_credentials[key] = build_credential(settings)
    arm = ArmOptions.limited(access.timeout, access.retries, pool.max_workers)
    (context,) = open_contexts(settings, pool, options=arm, credential=credential)
    if access.blob is None:
        return context
    from scanner.collect.azure import blob

    plane = blob.plane_from_options(credential, endpoint=access.blob.endpoint, probe=access.blob.probe,
                                    ca_bundle=settings.ca_bundle)
    return blob.with_data_plane([context], blob.limited(plane, access.timeout, access.retries))[0]
