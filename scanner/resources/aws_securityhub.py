"""AWS Security Hub records: whether the hub is enabled, one record per region read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True, kw_only=True)
class SecurityHubRegion(Resource):
    """Security Hub in one region of an account. ``enabled`` False means the account is
    not subscribed there (a concrete answer); None means DescribeHub failed."""

    TYPE: ClassVar[str] = "aws.securityhub.region"
    PROVIDER: ClassVar[str] = "aws"

    enabled: bool | None = None
    hub_arn: str | None = None  # set when enabled
    subscribed_at: str | None = None  # ISO-8601, when enabled


SECURITYHUB_RESOURCE_TYPES: tuple[type[Resource], ...] = (SecurityHubRegion,)
