"""The root user signs in with MFA."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamRootUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_root_mfa_enabled",
    title="The root user has MFA enabled",
    severity=Severity.CRITICAL,
    provider="aws",
    service="iam",
    requires=(IamRootUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.5"), ComplianceRef("cis-aws", "4.0.1", "1.5")),
    remediation="Sign in as the root user, open Security credentials and assign an MFA device.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html",),
    description=(
        "Without MFA, the root user's password alone opens the whole account. Read from "
        "IAM's account summary (AccountMFAEnabled)."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for root in snap.resources(IamRootUser):
        if root.summary is None:
            yield SPEC.error(root, "the account summary could not be read")
        elif root.summary.mfa_enabled:
            yield SPEC.ok(root, "the root user has MFA", mfa_enabled=True)
        else:
            yield SPEC.fail(root, "the root user has no MFA device", mfa_enabled=False)
