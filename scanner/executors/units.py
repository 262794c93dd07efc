"""Collection units: what one task of a distributed scan reads, and how a worker reaches it.

A unit names the account or subscription, the region (for collectors that read each
region on its own), the collector, and the settings a worker needs to build its own
session: profile name, role ARNs to assume, endpoint URL, Azure cloud settings. It never
holds a key, token, secret or external id: each worker takes those from its own
environment. Units are frozen dataclasses, so they pickle small and compare by value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from scanner.collect.azure.identity import AzureSettings
from scanner.collect.base import CollectorSpec, UnreachableScope
from scanner.snapshot import Scope

# AWS collectors that read every enabled region independently and record only
# per-region records: on a cluster each region of each account is its own unit.
# Every other collector (S3 and IAM are global; CloudTrail records one account-wide
# summary of its regions; plugins are not known) runs once per account, as locally.
PER_REGION = frozenset({
    "aws.ec2", "aws.kms", "aws.config", "aws.rds", "aws.efs", "aws.sqs", "aws.sns", "aws.lambda",
    "aws.securityhub", "aws.accessanalyzer",
})
# AWS collectors that never ask which regions are enabled: when only these run, the
# opening unit skips DescribeRegions, as a local scan would.
REGIONLESS = frozenset({"aws.s3", "aws.iam"})
# the environment variable a worker reads the ExternalId of role assumptions from
EXTERNAL_ID_VARIABLE = "SKYSCAN_EXTERNAL_ID"


@dataclass(frozen=True)
class AwsAccess:
    """How a worker reaches one AWS account: its own credentials (default chain or
    ``profile``), then each role of ``roles`` assumed in turn. No roles: the worker's
    own identity must act in ``account``."""

    account: str
    roles: tuple[str, ...] = ()
    profile: str | None = None
    endpoint_url: str | None = None
    home_region: str = "us-east-1"
    session_name: str = "skyscan"
    external_id: bool = False  # the roles want an ExternalId: the worker reads EXTERNAL_ID_VARIABLE
    timeout: float = 60.0  # --timeout
    max_attempts: int | None = None  # --retries (None: the SDK default)

    provider: ClassVar[str] = "aws"


@dataclass(frozen=True)
class BlobRequest:
    """The opt-in Azure blob data plane: the endpoint override flag (None: each
    account's own endpoint, or the worker's SKYSCAN_BLOB_ENDPOINT) and the probe."""

    endpoint: str | None = None
    probe: bool = False


@dataclass(frozen=True)
class AzureAccess:
    """How a worker reaches one subscription: its own Azure identity, signed in as
    ``settings.auth`` says (no secret is part of the settings)."""

    account: str  # the subscription id
    settings: AzureSettings
    blob: BlobRequest | None = None
    timeout: float = 60.0  # --timeout
    retries: int | None = None  # --retries (None: the SDK default)

    provider: ClassVar[str] = "azure"


Access = AwsAccess | AzureAccess


@dataclass(frozen=True)
class Unit:
    """One task. ``collector`` is a collector name, or "" for the opening unit of an AWS
    account (reachability and enabled regions). ``regions`` is what the AWS context
    reads (None: every enabled region); ``enabled`` the enabled regions the opening
    unit learned (None: not learned, the context asks itself)."""

    access: Access
    collector: str = ""
    regions: tuple[str, ...] | None = None
    enabled: tuple[str, ...] | None = None
    max_workers: int = 16
    discover: bool = False  # opening unit: ask DescribeRegions
    service_limits: tuple[tuple[str, int], ...] | None = None  # --service-limit (None: the defaults)
    wanted: tuple[tuple[str, frozenset[str]], ...] | None = None  # fields to read per type (None: all)

    @property
    def provider(self) -> str:
        return self.access.provider

    @property
    def account(self) -> str:
        return self.access.account

    @property
    def region(self) -> str:
        """The region of a per-region unit; "global" for the others."""
        if self.collector in PER_REGION and self.regions is not None and len(self.regions) == 1:
            return self.regions[0]
        return "global"

    @property
    def label(self) -> str:
        """A readable task name, e.g. ``aws.ec2-111122223333-eu-west-1``."""
        parts = [self.collector or f"{self.provider}.open", self.account]
        if self.region != "global":
            parts.append(self.region)
        return "-".join(parts)


@dataclass(frozen=True)
class Opened:
    """What an opening unit learned of its account: the enabled regions (None when not
    asked), or why the account cannot be read; ``shard`` is snapshot JSON holding the
    calls it made and a failed DescribeRegions, if any."""

    enabled: tuple[str, ...] | None
    unreachable: UnreachableScope | None
    shard: dict[str, Any]


@dataclass(frozen=True)
class Target:
    """One account or subscription of the scan, as the driver planned it. ``scope``
    holds the regions the user asked for (empty: every region). ``unreachable`` is set
    when the driver already knows it cannot be read."""

    access: Access
    scope: Scope
    unreachable: UnreachableScope | None = None

    @property
    def opens(self) -> bool:
        """AWS accounts are opened by one small unit first; subscriptions are not."""
        return self.access.provider == "aws" and self.unreachable is None


@dataclass(frozen=True)
class Pooling:
    """What every unit of a scan shares: its pool's --max-workers and --service-limit,
    and the only record fields the selected checks read (``runner.fields_needed``)."""

    max_workers: int = 16
    service_limits: tuple[tuple[str, int], ...] | None = None
    wanted: tuple[tuple[str, frozenset[str]], ...] | None = None


def opening_unit(target: Target, collectors: Sequence[CollectorSpec], pooling: Pooling) -> Unit:
    discover = any(c.name not in REGIONLESS for c in collectors)
    return Unit(target.access, "", target.scope.regions or None, None, pooling.max_workers, discover,
                pooling.service_limits, pooling.wanted)


def collection_units(
    target: Target, collectors: Sequence[CollectorSpec], enabled: tuple[str, ...] | None, pooling: Pooling
) -> list[Unit]:
    """The units of one reachable account or subscription: per region for the
    collectors of PER_REGION once the enabled regions are known, else one per collector."""
    regions = target.scope.regions or None
    units: list[Unit] = []
    for collector in collectors:
        if target.access.provider == "aws" and collector.name in PER_REGION and enabled is not None:
            units.extend(Unit(target.access, collector.name, (r,), (r,), pooling.max_workers, False,
                              pooling.service_limits, pooling.wanted) for r in enabled)
        else:
            units.append(Unit(target.access, collector.name, regions, enabled, pooling.max_workers, False,
                              pooling.service_limits, pooling.wanted))
    return units
