"""IAM credentials unused for 45 days are disabled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.iam import clock
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamUser
from scanner.snapshot import Snapshot

UNUSED_DAYS = 45

SPEC = CheckSpec(
    id="aws_iam_user_credentials_unused",
    title=f"IAM users have no password or active key unused for {UNUSED_DAYS} days",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.12"), ComplianceRef("cis-aws", "4.0.1", "1.12")),
    remediation="Remove the unused password (aws iam delete-login-profile --user-name <user>) and deactivate "
    "unused keys (aws iam update-access-key --user-name <user> --access-key-id <id> --status Inactive).",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html",),
    description=(
        "A credential nobody uses is one nobody would miss if an attacker used it. As CIS audits "
        "it: a console password or an active access key whose last use is at least 45 days old "
        "fails; one never used counts from when it was created. Ages are measured against the "
        "snapshot's creation time."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    now = clock.as_of(snap)
    for user in snap.resources(IamUser):
        last_use, unknown = _last_uses(user)
        if not last_use and not unknown:
            yield SPEC.ok(user, "no enabled password or access key", unused_days={})
            continue
        if now is None:
            yield SPEC.error(user, clock.NO_CLOCK)
            continue
        ages: dict[str, int] = {}
        for name, value in last_use.items():
            moment = clock.parse(value)
            if moment is None:
                unknown.append(name)
            else:
                ages[name] = clock.age_days(moment, now)
        stale = sorted(name for name, days in ages.items() if days >= UNUSED_DAYS)
        details: dict[str, Any] = {"unused_days": ages, "as_of": clock.stamp(now), "threshold_days": UNUSED_DAYS}
        if stale:
            reason = f"unused for {UNUSED_DAYS} days or more: {', '.join(stale)}"
            yield SPEC.fail(user, reason, stale=stale, unread=sorted(unknown), **details)
        elif unknown:
            reason = f"could not be judged: {', '.join(sorted(unknown))}"
            yield SPEC.error(user, reason, unread=sorted(unknown), **details)
        else:
            yield SPEC.ok(user, f"every enabled credential was used within {UNUSED_DAYS} days", **details)


def _last_uses(user: IamUser) -> tuple[dict[str, str | None], list[str]]:
    """For each enabled credential ("password", "access_key_<id suffix>"), its last use,
    or its creation when never used; and the credentials whose state is unread."""
    found: dict[str, str | None] = {}
    unknown: list[str] = []
    if user.console is None:
        unknown.append("password")
    elif user.console.password_enabled:
        found["password"] = user.console.last_used or user.console.created
    if user.access_keys is None:
        unknown.append("access_keys")
        return found, unknown
    for key in user.access_keys:
        if not key.active:
            continue
        name = f"access_key_{key.id_suffix}"
        if key.usage is None:
            unknown.append(name)
        else:
            found[name] = key.usage.last_used or key.created
    return found, unknown
