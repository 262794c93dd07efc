"""The driver's part of a distributed scan: from the CLI flags to the accounts and
subscriptions in scope, using the driver's own credentials and no others.

AWS: the driver learns its account (GetCallerIdentity), assumes --role-arn if given (so
a refused role stops the scan with exit 2, as locally), and with --org lists the
organisation's accounts; it assumes no account's role. Each account becomes a Target
whose access names the role chain a worker will assume. Azure: the driver signs in and
lists the subscriptions (or takes --subscription); workers sign in themselves.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping

from scanner.collect.base import SetupError
from scanner.collect.pool import Pool
from scanner.executors.units import AwsAccess, AzureAccess, BlobRequest, Pooling, Target
from scanner.snapshot import Scope


def targets(provider: str, args: argparse.Namespace, pool: Pool) -> list[Target]:
    return aws_targets(args, pool) if provider == "aws" else azure_targets(args, pool)


def aws_targets(args: argparse.Namespace, pool: Pool) -> list[Target]:
    from scanner.collect.aws import accounts
    from scanner.collect.aws.context import AwsContext, AwsSetupError

    org, wanted = bool(getattr(args, "org", False)), tuple(getattr(args, "accounts", None) or ())
    if getattr(args, "org_role", None) is not None and not (org or wanted):
        raise SetupError("--org-role needs --org or --accounts (the accounts to assume it in)")
    options = accounts.AccountOptions(
        role_arn=getattr(args, "role_arn", None),
        external_id=getattr(args, "external_id", None),
        session_name=getattr(args, "role_session_name", None) or accounts.DEFAULT_SESSION_NAME,
        org=org,
        accounts=wanted,
        org_role=getattr(args, "org_role", None) or accounts.DEFAULT_ORG_ROLE,
    )
    regions = tuple(args.regions) if args.regions else None
    timeout, retries = read_limits(args)
    attempts = {} if retries is None else {"max_attempts": retries}
    hub = AwsContext.open(profile=args.profile, regions=regions, endpoint_url=args.endpoint_url, pool=pool,
                          timeout=timeout, **attempts)
    chain: tuple[str, ...] = ()
    if options.role_arn is not None:
        try:
            hub = accounts.assume(hub, options.role_arn, session_name=options.session_name,
                                  external_id=options.external_id)
        except accounts.AssumeRoleFailed as exc:
            raise AwsSetupError(f"--role-arn: the role could not be assumed ({exc.code})") from None
        chain = (options.role_arn,)

    def access(account: str, roles: tuple[str, ...]) -> AwsAccess:
        return AwsAccess(account, roles, args.profile, args.endpoint_url, hub.home_region, options.session_name,
                         options.external_id is not None, timeout, retries)

    scope_regions = regions or ()
    if not options.multi:
        return [Target(access(hub.account, chain), Scope("aws", hub.account, scope_regions))]
    members, missing = accounts.target_accounts(hub, options)
    found = [
        Target(access(a, (*chain, accounts.role_arn(hub.partition, a, options.org_role))),
               Scope("aws", a, scope_regions))
        for a in members
    ]
    found += [Target(access(a, ()), Scope("aws", a, scope_regions), accounts.NOT_A_MEMBER) for a in missing]
    return sorted(found, key=lambda t: t.scope.account)


def read_limits(args: argparse.Namespace) -> tuple[float, int | None]:
    """--timeout (seconds per attempt) and --retries (None: each SDK's default), read
    as the local path reads them (commands.read_limits)."""
    return float(getattr(args, "timeout", None) or 60.0), getattr(args, "retries", None)


def pooling(args: argparse.Namespace, fields: Mapping[str, frozenset[str]] | None) -> Pooling:
    """--max-workers and --service-limit for every unit's pool on the workers, and the
    fields the checks read."""
    limits = getattr(args, "service_limit", None)
    return Pooling(args.max_workers, tuple(limits) if limits else None,
                   tuple(sorted(fields.items())) if fields is not None else None)


def azure_targets(args: argparse.Namespace, pool: Pool) -> list[Target]:
    from scanner.collect.azure import blob
    from scanner.collect.azure.context import open_contexts
    from scanner.collect.azure.identity import AzureSettings

    settings = AzureSettings.from_options(
        auth=args.azure_auth, tenant=args.tenant, cloud=args.azure_cloud, arm_endpoint=args.arm_endpoint,
        ca_bundle=args.ca_bundle, subscriptions=tuple(args.subscription),
    )
    probe, endpoint = getattr(args, "probe_anonymous", False), getattr(args, "blob_endpoint", None)
    request = None
    if probe or endpoint or getattr(args, "blob_data_plane", False) or os.environ.get(blob.ENDPOINT_VARIABLE):
        # the flags are checked here, before any task runs
        blob.plane_from_options(None, endpoint=endpoint, probe=probe, ca_bundle=settings.ca_bundle)
        request = BlobRequest(endpoint, probe)
    timeout, retries = read_limits(args)
    return [
        Target(AzureAccess(context.subscription_id, settings, request, timeout, retries),
               Scope("azure", context.subscription_id, ()))
        for context in open_contexts(settings, pool)
    ]
