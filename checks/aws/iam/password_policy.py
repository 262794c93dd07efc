"""What the password policy checks share: each account's policy judged by one numeric
setting, an ERROR where the policy could not be read, and the same details."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from scanner.model import CheckSpec, Finding
from scanner.resources.aws_iam import IamAccountSettings
from scanner.snapshot import Snapshot

# (value of the setting, whether a custom policy is configured) -> (passes, reason)
Judge = Callable[[int, bool], tuple[bool, str]]


def setting_findings(spec: CheckSpec, snap: Snapshot, setting: str, required: int, judge: Judge) -> Iterator[Finding]:
    """One finding per account: ``setting`` (a ``PasswordPolicy`` field, also the details
    key) judged by ``judge``."""
    for account in snap.resources(IamAccountSettings):
        policy = account.password_policy
        if policy is None:
            yield spec.error(account, "the password policy could not be read")
            continue
        value: int = getattr(policy, setting)
        details: dict[str, Any] = {setting: value, "required": required, "configured": policy.configured}
        passes, reason = judge(value, policy.configured)
        yield (spec.ok if passes else spec.fail)(account, reason, **details)
