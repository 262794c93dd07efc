"""Who may use a snapshot or an AMI, from its createVolumePermission or
launchPermission entries: the group "all" is everyone; other entries name one account,
an organization or an organizational unit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.resources.aws_ec2 import SharePermission

EVERYONE = "all"


def is_public(permissions: Iterable[SharePermission]) -> bool:
    return any(p.group == EVERYONE for p in permissions)


def shared_with(permissions: Iterable[SharePermission]) -> dict[str, Any]:
    """The non-public audience, for finding details."""
    return {
        "accounts": sorted(p.user_id for p in permissions if p.user_id),
        "organizations": sorted(p.organization_arn for p in permissions if p.organization_arn),
        "organizational_units": sorted(p.organizational_unit_arn for p in permissions if p.organizational_unit_arn),
    }
