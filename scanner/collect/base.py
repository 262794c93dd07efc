"""What every collector declares and returns."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.resources.base import Resource
from scanner.snapshot import CollectionError


@dataclass
class CollectResult:
    """Records and errors gathered by one collector run; safe to fill from threads."""

    records: list[Resource] = field(default_factory=list)
    errors: list[CollectionError] = field(default_factory=list)
    # record type -> the only fields the selected checks read; a type not named: all
    wanted: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, record: Resource) -> None:
        with self._lock:
            self.records.append(record)

    def fail(self, error: CollectionError) -> None:
        with self._lock:
            self.errors.append(error)

    def wants(self, resource_type: str, field_name: str) -> bool:
        """Whether a field must be read: a collector leaves one no selected check reads
        unread (None), and skips its call."""
        only = self.wanted.get(resource_type)
        return only is None or field_name in only


ACCOUNT = "account"  # Call.per: once per account or subscription
REGION = "region"  # Call.per: once per region read in each account


@dataclass(frozen=True)
class Call:
    """One API operation a collector makes, and how often: once per ``ACCOUNT``, per
    ``REGION``, or per record of the resource type named by ``per`` (e.g.
    ``"aws.s3.bucket"``: once per bucket). ``conditional`` calls are made only for some
    of those (GetBucketPolicyStatus only when the bucket has a policy); ``pages`` marks
    a listing that may take more than one call; ``fills`` names the fields of its
    record it fills, so it is skipped when no selected check reads any of them. The
    planner's estimate and the test that holds a real scan's calls to these
    declarations both read them."""

    service: str  # the SDK's service name ("s3", "iam") or the ARM provider namespace
    operation: str
    per: str = ACCOUNT
    conditional: bool = False
    pages: bool = False
    fills: tuple[str, ...] = ()  # the fields of its record it fills; () : always made


@dataclass(frozen=True)
class CollectorSpec:
    """A collector: which record types it produces from which read-only operations.

    ``collect(context, result)`` receives everything it needs by argument (the
    provider context holds the session, scope and pool); nothing is built at import.
    """

    name: str  # e.g. "aws.s3"
    provider: str
    produces: tuple[str, ...]  # resource type names
    permissions: tuple[str, ...]  # IAM actions / Azure operations it needs
    collect: Callable[[Any, CollectResult], None]
    record_types: tuple[type[Resource], ...] = ()
    calls: tuple[Call, ...] = ()  # what it asks of the cloud (``skyscan scan --plan``)


@dataclass(frozen=True)
class UnreachableScope:
    """Stands in for a provider context when one account or subscription of a
    multi-scope scan could not be opened (its role could not be assumed, it is not an
    active member). The runner records one scope-level error per record type its
    collectors produce, so every check reports ERROR there, and goes on with the rest."""

    service: str  # what refused, e.g. "sts"
    operation: str  # e.g. "AssumeRole"
    code: str
    message: str


class SetupError(Exception):
    """Configuration that prevents any read (no credentials, unknown profile): a usage
    error for the CLI, distinct from a read that failed mid-scan."""
