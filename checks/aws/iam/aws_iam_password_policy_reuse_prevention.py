"""The account password policy prevents password reuse."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.iam.password_policy import setting_findings
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
    yield from setting_findings(SPEC, snap, "reuse_prevention", REMEMBERED, _judge)


def _judge(remembered: int, configured: bool) -> tuple[bool, str]:
    if remembered >= REMEMBERED:
        return True, f"the last {remembered} passwords cannot be reused"
    if remembered == 0:
        return False, "passwords may be reused"
    return False, f"only the last {remembered} passwords are remembered"
