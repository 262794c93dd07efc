"""Active access keys are rotated within 90 days."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.iam import clock
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamUser
from scanner.snapshot import Snapshot

MAX_AGE_DAYS = 90

SPEC = CheckSpec(
    id="aws_iam_user_access_key_rotated",
    title=f"Active access keys are at most {MAX_AGE_DAYS} days old",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.14"), ComplianceRef("cis-aws", "4.0.1", "1.14")),
    remediation="Create a new key (aws iam create-access-key --user-name <user>), move its users to it, "
    "then deactivate and delete the old one.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html#rotating_access_keys_console",),
    description=(
        "The longer a key lives, the more copies of it exist. Only active keys count; ages are "
        "measured against the snapshot's creation time."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    now = clock.as_of(snap)
    for user in snap.resources(IamUser):
        if user.access_keys is None:
            yield SPEC.error(user, "the user's access keys could not be read")
            continue
        active = [key for key in user.access_keys if key.active]
        if not active:
            yield SPEC.ok(user, "no active access key", active_keys=0)
            continue
        if now is None:
            yield SPEC.error(user, clock.NO_CLOCK)
            continue
        created = {key.id_suffix: clock.parse(key.created) for key in active}
        undated = sorted(suffix for suffix, moment in created.items() if moment is None)
        if undated:
            yield SPEC.error(user, "an active key has no readable creation date", key_id_suffixes=undated)
            continue
        ages = {suffix: clock.age_days(moment, now) for suffix, moment in created.items() if moment is not None}
        details: dict[str, Any] = {
            "age_days": max(ages.values()),
            "as_of": clock.stamp(now),
            "max_age_days": MAX_AGE_DAYS,
        }
        old = sorted(suffix for suffix, days in ages.items() if days > MAX_AGE_DAYS)
        if old:
            yield SPEC.fail(user, f"an active key is {max(ages.values())} days old", key_id_suffixes=old, **details)
        else:
            yield SPEC.ok(user, f"the oldest active key is {max(ages.values())} days old", **details)
