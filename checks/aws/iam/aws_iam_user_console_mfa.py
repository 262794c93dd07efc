"""Every IAM user with a console password has MFA."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_user_console_mfa",
    title="IAM users with a console password have MFA",
    severity=Severity.HIGH,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.10"), ComplianceRef("cis-aws", "4.0.1", "1.10")),
    remediation="Assign an MFA device to the user (IAM console: Users > <user> > Security credentials), "
    "or remove the console password: aws iam delete-login-profile --user-name <user>",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html",),
    description="A console password without MFA is one phished or guessed secret away from a console session.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for user in snap.resources(IamUser):
        if user.console is None:
            yield SPEC.error(user, "whether the user has a console password could not be read")
        elif not user.console.password_enabled:
            yield SPEC.ok(user, "no console password", password_enabled=False)
        elif user.mfa_devices is None:
            yield SPEC.error(user, "the user's MFA devices could not be read", password_enabled=True)
        elif not user.mfa_devices:
            yield SPEC.fail(user, "console password without MFA", password_enabled=True, mfa_devices=0)
        else:
            yield SPEC.ok(user, "console password with MFA", password_enabled=True, mfa_devices=len(user.mfa_devices))
