"""The root user is not used for daily work."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.iam import clock
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamRootUser
from scanner.snapshot import Snapshot

# CIS asks to review the root user's last use without naming a period; any use within
# this many days of the snapshot fails.
WINDOW_DAYS = 90

SPEC = CheckSpec(
    id="aws_iam_root_recent_use",
    title=f"The root user has not been used in the last {WINDOW_DAYS} days",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamRootUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.7"), ComplianceRef("cis-aws", "4.0.1", "1.7")),
    remediation=(
        "Do daily and administrative work with IAM roles or users; keep the root user for the few "
        "tasks that need it, change its password and delete its access keys."
    ),
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html",),
    description=(
        "The root user cannot be restricted by any policy. Its last password sign-in and the last "
        "use of each root access key come from the credential report; ages are measured against "
        "the snapshot's creation time."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    now = clock.as_of(snap)
    for root in snap.resources(IamRootUser):
        activity = root.activity
        if activity is None:
            yield SPEC.error(root, "the credential report's root row could not be read")
            continue
        if now is None:
            yield SPEC.error(root, clock.NO_CLOCK)
            continue
        uses = {"password": activity.password_last_used}
        uses.update({f"access_key_{k.slot}": k.last_used for k in activity.access_keys})
        moments = {name: clock.parse(value) for name, value in uses.items() if value is not None}
        unreadable = sorted(name for name, moment in moments.items() if moment is None)
        if unreadable:
            yield SPEC.error(root, "a last-use date in the credential report is not a date", unreadable=unreadable)
            continue
        ages = {name: clock.age_days(moment, now) for name, moment in moments.items() if moment is not None}
        details: dict[str, Any] = {
            "last_used": {name: uses[name] for name in sorted(ages)},
            "age_days": min(ages.values()) if ages else None,
            "as_of": clock.stamp(now),
            "window_days": WINDOW_DAYS,
            "report_generated_at": activity.report_generated_at,
        }
        recent = sorted(name for name, days in ages.items() if days < WINDOW_DAYS)
        if recent:
            yield SPEC.fail(root, f"the root user was used {min(ages.values())} days ago", used_by=recent, **details)
        elif ages:
            yield SPEC.ok(root, f"the root user was last used {min(ages.values())} days ago", **details)
        else:
            yield SPEC.ok(root, "the credential report shows no use of the root user", **details)
