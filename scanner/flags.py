"""Parsed CLI flags turned into collection settings, once for every path that opens a
cloud: the local scan (``commands``), the distributed driver (``executors.targets``).

The demo builds a namespace without most flags, so each is read with a default. Cloud
modules are imported inside the functions: this module loads with the CLI.
"""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING

from scanner.collect.base import SetupError

if TYPE_CHECKING:
    from scanner.collect.aws.accounts import AccountOptions
    from scanner.collect.azure.identity import AzureSettings

DEFAULT_TIMEOUT = 60.0


def read_limits(args: argparse.Namespace) -> tuple[float, int | None]:
    """--timeout (seconds per attempt) and --retries (None: each SDK's default)."""
    return float(getattr(args, "timeout", None) or DEFAULT_TIMEOUT), getattr(args, "retries", None)


def aws_account_options(args: argparse.Namespace) -> AccountOptions:
    """The multi-account flags; --org-role without the accounts to assume it in is a
    usage error."""
    from scanner.collect.aws import accounts

    org, wanted = bool(getattr(args, "org", False)), tuple(getattr(args, "accounts", None) or ())
    org_role = getattr(args, "org_role", None)
    if org_role is not None and not (org or wanted):
        raise SetupError("--org-role needs --org or --accounts (the accounts to assume it in)")
    return accounts.AccountOptions(
        role_arn=getattr(args, "role_arn", None),
        external_id=getattr(args, "external_id", None),
        session_name=getattr(args, "role_session_name", None) or accounts.DEFAULT_SESSION_NAME,
        org=org,
        accounts=wanted,
        org_role=org_role or accounts.DEFAULT_ORG_ROLE,
    )


def azure_settings(args: argparse.Namespace) -> AzureSettings:
    from scanner.collect.azure.identity import AzureSettings

    return AzureSettings.from_options(
        auth=args.azure_auth, tenant=args.tenant, cloud=args.azure_cloud, arm_endpoint=args.arm_endpoint,
        ca_bundle=args.ca_bundle, subscriptions=tuple(args.subscription),
    )


def blob_request(args: argparse.Namespace) -> tuple[str | None, bool] | None:
    """(--blob-endpoint, --probe-anonymous) when the opt-in blob data plane is asked
    for (by either, --blob-data-plane or SKYSCAN_BLOB_ENDPOINT); None otherwise."""
    from scanner.collect.azure.blob import ENDPOINT_VARIABLE

    probe, endpoint = bool(getattr(args, "probe_anonymous", False)), getattr(args, "blob_endpoint", None)
    if probe or endpoint or getattr(args, "blob_data_plane", False) or os.environ.get(ENDPOINT_VARIABLE):
        return endpoint, probe
    return None
