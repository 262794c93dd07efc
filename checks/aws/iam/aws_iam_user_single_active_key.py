"""No IAM user has more than one active access key."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_user_single_active_key",
    title="IAM users have at most one active access key",
    severity=Severity.LOW,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.13"), ComplianceRef("cis-aws", "4.0.1", "1.13")),
    remediation="Deactivate the key no longer in use, then delete it: "
    "aws iam update-access-key --user-name <user> --access-key-id <id> --status Inactive",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",),
    description="Two active keys are allowed only for the moment of a rotation; otherwise one is forgotten and leaks.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for user in snap.resources(IamUser):
        if user.access_keys is None:
            yield SPEC.error(user, "the user's access keys could not be read")
            continue
        active = [key.id_suffix for key in user.access_keys if key.active]
        if len(active) > 1:
            yield SPEC.fail(user, f"{len(active)} active access keys", active_keys=len(active), key_id_suffixes=active)
        else:
            yield SPEC.ok(user, f"{len(active)} active access key(s)", active_keys=len(active))
