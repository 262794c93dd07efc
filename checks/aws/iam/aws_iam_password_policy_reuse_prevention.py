"""The account password policy prevents password reuse."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamAccountSettings
from scanner.snapshot import Snapshot

REMEMBERED = 24  # CIS: the maximum IAM allows

SPEC = CheckSpec(
    id="aws_iam_password_policy_reuse_prevention",
    title=f"The IAM password policy prevents reuse of the last {REMEMBERED} passwords",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamAccountSettings.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.9"), ComplianceRef("cis-aws", "4.0.1", "1.9")),
    remediation=(
        f"aws iam update-account-password-policy --password-reuse-prevention {REMEMBERED} <other settings to keep>"
    ),
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",),
    description=(
        "When old passwords may be reused, a leaked password stays valid through a forced "
        "change. Without a custom policy nothing prevents reuse."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(IamAccountSettings):
        policy = account.password_policy
        if policy is None:
            yield SPEC.error(account, "the password policy could not be read")
            continue
        details: dict[str, Any] = {
            "reuse_prevention": policy.reuse_prevention,
            "required": REMEMBERED,
            "configured": policy.configured,
        }
        if policy.reuse_prevention >= REMEMBERED:
            yield SPEC.ok(account, f"the last {policy.reuse_prevention} passwords cannot be reused", **details)
        elif policy.reuse_prevention == 0:
            yield SPEC.fail(account, "passwords may be reused", **details)
        else:
            yield SPEC.fail(account, f"only the last {policy.reuse_prevention} passwords are remembered", **details)
