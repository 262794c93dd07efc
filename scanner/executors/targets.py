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
from collections.abc import Mapping

from scanner import flags
from scanner.collect.pool import Pool
from scanner.executors.units import AwsAccess, AzureAccess, BlobRequest, Pooling, Target
from scanner.snapshot import Scope


def targets(provider: str, args: argparse.Namespace, pool: Pool) -> list[Target]:
    return aws_targets(args, pool) if provider == "aws" else azure_targets(args, pool)


def aws_targets(args: argparse.Namespace, pool: Pool) -> list[Target]:
    from scanner.collect.aws import accounts
    from scanner.collect.aws.context import AwsContext, AwsSetupError

    options = flags.aws_account_options(args)
    regions = tuple(args.regions) if args.regions else None
    timeout, retries = flags.read_limits(args)
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


def pooling(args: argparse.Namespace, fields: Mapping[str, frozenset[str]] | None) -> Pooling:
    """--max-workers and --service-limit for every unit's pool on the workers, and the
    fields the checks read."""
    limits = getattr(args, "service_limit", None)
    return Pooling(args.max_workers, tuple(limits) if limits else None,
                   tuple(sorted(fields.items())) if fields is not None else None)


def azure_targets(args: argparse.Namespace, pool: Pool) -> list[Target]:
    from scanner.collect.azure import blob
    from scanner.collect.azure.context import open_contexts

    settings = flags.azure_settings(args)
    wanted, request = flags.blob_request(args), None
    if wanted is not None:
        endpoint, probe = wanted
        # the flags are checked here, before any task runs
        blob.plane_from_options(None, endpoint=endpoint, probe=probe, ca_bundle=settings.ca_bundle)
        request = BlobRequest(endpoint, probe)
    timeout, retries = flags.read_limits(args)
    return [
        Target(AzureAccess(context.subscription_id, settings, request, timeout, retries),
               Scope("azure", context.subscription_id, ()))
        for context in open_contexts(settings, pool)
    ]
