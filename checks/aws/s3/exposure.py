"""The one place that decides whether an S3 bucket is really public, the way S3 does.

Two routes can open a bucket: its ACL and its bucket policy. Each route is then judged
against the layers that can neutralise it:

* ACL grants to AllUsers or AuthenticatedUsers are ignored when IgnorePublicAcls is on
  at the bucket or the account level, or when object ownership is BucketOwnerEnforced
  (ACLs disabled).
* A public bucket policy is confined to the owner's account and AWS services when
  RestrictPublicBuckets is on at the bucket or the account level.
* BlockPublicAcls and BlockPublicPolicy only refuse *new* public ACLs and policies;
  they do not neutralise what is already there, so they play no part here.

A layer that could not be read (None on the record, or no account record) makes the
verdict UNKNOWN unless another layer already decides it; checks turn UNKNOWN into
ERROR, never PASS.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from checks.aws.policy import PolicyError, public_statements
from scanner.model import CheckSpec, Finding, Severity
from scanner.resources.aws import PublicAccessBlock, S3AccountSettings, S3Bucket, S3Grant
from scanner.snapshot import Snapshot

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
PUBLIC_GROUPS = {ALL_USERS: "AllUsers", AUTHENTICATED_USERS: "AuthenticatedUsers"}
READ_PERMISSIONS = frozenset({"READ", "READ_ACP", "FULL_CONTROL"})
WRITE_PERMISSIONS = frozenset({"WRITE", "WRITE_ACP", "FULL_CONTROL"})
ACLS_DISABLED = "BucketOwnerEnforced"
FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


class Verdict(Enum):
    PUBLIC = "public"  # open, and nothing neutralises it
    NEUTRALISED = "neutralised"  # a latent grant: open, but another layer overrides it
    NOT_PUBLIC = "not-public"  # the route grants nothing to the public
    UNKNOWN = "unknown"  # a layer that would decide could not be read


@dataclass(frozen=True)
class Route:
    """The verdict for one route ("acl" or "policy")."""

    name: str
    verdict: Verdict
    readable: bool = False
    writable: bool = False
    neutralised_by: tuple[str, ...] = ()  # e.g. "account:IgnorePublicAcls"
    unknown: tuple[str, ...] = ()  # the unread layers that left the verdict open
    evidence: tuple[dict[str, Any], ...] = ()  # public grants or public statements
    error: str | None = None  # why the route could not be judged, when a layer was read but unusable

    def undecided_reason(self) -> str:
        return self.error or f"cannot decide: {', '.join(self.unknown)} not read"


@dataclass(frozen=True)
class Exposure:
    acl: Route
    policy: Route
    account_block: PublicAccessBlock | None
    bucket_block: PublicAccessBlock | None
    object_ownership: str | None
    aws_policy_status_is_public: bool | None

    def details(self, route: Route) -> dict[str, Any]:
        """Finding details for one route: which layers opened it and which decided it."""
        evidence = "public_grants" if route.name == "acl" else "public_statements"
        details: dict[str, Any] = {
            "verdict": route.verdict.value,
            "exposed_via": [route.name] if route.evidence else [],
            "neutralised_by": list(route.neutralised_by),
            "unknown_layers": list(route.unknown),
            "error": route.error,
            "readable": route.readable,
            "writable": route.writable,
            evidence: list(route.evidence),
            "block_public_access": {
                "account": self.account_block.flags() if self.account_block else None,
                "bucket": self.bucket_block.flags() if self.bucket_block else None,
            },
            "object_ownership": self.object_ownership,
        }
        if route.name == "policy":
            details["aws_policy_status_is_public"] = self.aws_policy_status_is_public
        return details


def account_settings(snap: Snapshot, account: str) -> S3AccountSettings | None:
    return next((r for r in snap.resources(S3AccountSettings) if r.account == account), None)


def account_block(snap: Snapshot, account: str) -> PublicAccessBlock | None:
    """The account-level Block Public Access flags, or None when they were not read."""
    record = account_settings(snap, account)
    return record.public_access_block if record else None


def bucket_arn(bucket: S3Bucket) -> str:
    return bucket.resource_id if bucket.resource_id.startswith("arn:") else f"arn:aws:s3:::{bucket.name}"


def assess(bucket: S3Bucket, account: PublicAccessBlock | None) -> Exposure:
    """Both routes of one bucket, given the account-level flags (None: unknown)."""
    return Exposure(
        acl=_acl_route(bucket, account),
        policy=_policy_route(bucket, account),
        account_block=account,
        bucket_block=bucket.public_access_block,
        object_ownership=bucket.object_ownership,
        aws_policy_status_is_public=bucket.policy.is_public if bucket.policy else None,
    )


def public_grants(grants: tuple[S3Grant, ...]) -> tuple[S3Grant, ...]:
    return tuple(g for g in grants if g.grantee_type == "Group" and g.grantee in PUBLIC_GROUPS)


def _acl_route(bucket: S3Bucket, account: PublicAccessBlock | None) -> Route:
    if bucket.acl is None:
        return Route("acl", Verdict.UNKNOWN, unknown=("bucket:acl",))
    grants = public_grants(bucket.acl.grants)
    if not grants:
        return Route("acl", Verdict.NOT_PUBLIC)
    evidence = tuple(
        {"grantee": PUBLIC_GROUPS[g.grantee], "uri": g.grantee, "permission": g.permission} for g in grants
    )
    readable = any(g.permission in READ_PERMISSIONS for g in grants)
    writable = any(g.permission in WRITE_PERMISSIONS for g in grants)
    neutralisers = _flag_layers("ignore_public_acls", "IgnorePublicAcls", bucket, account)
    if bucket.object_ownership == ACLS_DISABLED:
        neutralisers.append(f"ownership:{ACLS_DISABLED}")
    unknown = _unread_layers(bucket, account)
    if bucket.object_ownership is None:
        unknown.append("bucket:object_ownership")
    return _decide("acl", readable, writable, neutralisers, unknown, evidence)


def _policy_route(bucket: S3Bucket, account: PublicAccessBlock | None) -> Route:
    if bucket.policy is None:
        return Route("policy", Verdict.UNKNOWN, unknown=("bucket:policy",))
    if bucket.policy.document is None:
        return Route("policy", Verdict.NOT_PUBLIC)
    try:
        statements = public_statements(bucket.policy.document)
    except PolicyError as exc:
        return Route("policy", Verdict.UNKNOWN, error=f"bucket policy is malformed: {exc}")
    if not statements:
        return Route("policy", Verdict.NOT_PUBLIC)
    accesses = {s.access for s in statements}
    readable, writable = bool(accesses & {"read", "both"}), bool(accesses & {"write", "both"})
    neutralisers = _flag_layers("restrict_public_buckets", "RestrictPublicBuckets", bucket, account)
    evidence = tuple(s.as_detail() for s in statements)
    return _decide("policy", readable, writable, neutralisers, _unread_layers(bucket, account), evidence)


def _flag_layers(attr: str, flag: str, bucket: S3Bucket, account: PublicAccessBlock | None) -> list[str]:
    layers = []
    if bucket.public_access_block is not None and getattr(bucket.public_access_block, attr):
        layers.append(f"bucket:{flag}")
    if account is not None and getattr(account, attr):
        layers.append(f"account:{flag}")
    return layers


def _unread_layers(bucket: S3Bucket, account: PublicAccessBlock | None) -> list[str]:
    unread = []
    if bucket.public_access_block is None:
        unread.append("bucket:public_access_block")
    if account is None:
        unread.append("account:public_access_block")
    return unread


def _decide(
    name: str,
    readable: bool,
    writable: bool,
    neutralisers: list[str],
    unknown: list[str],
    evidence: tuple[dict[str, Any], ...],
) -> Route:
    if neutralisers:
        verdict, unknown = Verdict.NEUTRALISED, []
    else:
        verdict = Verdict.UNKNOWN if unknown else Verdict.PUBLIC
    return Route(name, verdict, readable, writable, tuple(neutralisers), tuple(unknown), evidence)


@dataclass(frozen=True)
class EffectiveBlock:
    """Block Public Access as S3 applies it: each flag on at the bucket or account level."""

    sources: dict[str, list[str]]  # flag -> the layers that switch it on ("bucket", "account")
    missing: tuple[str, ...]  # flags on at no layer, every layer having been read
    unknown: tuple[str, ...]  # flags off at every read layer while another layer is unread


def effective_block(bucket: PublicAccessBlock | None, account: PublicAccessBlock | None) -> EffectiveBlock:
    sources: dict[str, list[str]] = {}
    missing: list[str] = []
    unknown: list[str] = []
    for flag in FLAGS:
        layers = [
            name
            for name, block in (("bucket", bucket), ("account", account))
            if block is not None and block.flags()[flag]
        ]
        sources[flag] = layers
        if not layers:
            (unknown if bucket is None or account is None else missing).append(flag)
    return EffectiveBlock(sources, tuple(missing), tuple(unknown))


def route_findings(spec: CheckSpec, snap: Snapshot, route_name: str, what: str) -> Iterator[Finding]:
    """One finding per bucket for one route ("acl" or "policy"): FAIL when public,
    FAIL at LOW when neutralised (a latent grant), ERROR when undecidable, else PASS.
    ``what`` names the route in reasons, e.g. "ACL grant"."""
    for bucket in snap.resources(S3Bucket):
        exposure = assess(bucket, account_block(snap, bucket.account))
        route = exposure.acl if route_name == "acl" else exposure.policy
        details = exposure.details(route)
        if route.verdict is Verdict.UNKNOWN:
            yield spec.error(bucket, route.undecided_reason(), **details)
        elif route.verdict is Verdict.PUBLIC:
            yield spec.fail(bucket, f"public {what} opens the bucket to everyone", **details)
        elif route.verdict is Verdict.NEUTRALISED:
            reason = f"latent public {what}, overridden by {', '.join(route.neutralised_by)}"
            yield spec.fail(bucket, reason, severity=Severity.LOW, **details)
        else:
            yield spec.ok(bucket, f"no public {what}", **details)
