"""The account password policy requires long passwords."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.iam.password_policy import setting_findings
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamAccountSettings
from scanner.snapshot import Snapshot

MINIMUM = 14

SPEC = CheckSpec(
    id="aws_iam_password_policy_min_length",
    title=f"The IAM password policy requires at least {MINIMUM} characters",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamAccountSettings.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.8"), ComplianceRef("cis-aws", "4.0.1", "1.8")),
    remediation=f"aws iam update-account-password-policy --minimum-password-length {MINIMUM} <other settings to keep>",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",),
    description=(
        "Long passwords resist guessing and brute force. An account without a custom policy "
        "gets AWS's default, 8 characters, which fails."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from setting_findings(SPEC, snap, "minimum_length", MINIMUM, _judge)


def _judge(length: int, configured: bool) -> tuple[bool, str]:
    if length >= MINIMUM:
        return True, f"passwords need {length} characters"
    if not configured:
        return False, "no password policy: AWS's default allows 8 characters"
    return False, f"passwords need only {length} characters"
