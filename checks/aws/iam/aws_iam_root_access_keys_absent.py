"""The root user has no access keys."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamRootUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_root_access_keys_absent",
    title="The root user has no access keys",
    severity=Severity.CRITICAL,
    provider="aws",
    service="iam",
    requires=(IamRootUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.4"), ComplianceRef("cis-aws", "4.0.1", "1.4")),
    remediation="Sign in as the root user, open Security credentials and delete every access key.",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",),
    description=(
        "A root access key can do anything in the account and cannot be limited by any "
        "policy; even an inactive key is one step from use. IAM's account summary "
        "(AccountAccessKeysPresent) counts active and inactive keys alike."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for root in snap.resources(IamRootUser):
        if root.summary is None:
            yield SPEC.error(root, "the account summary could not be read")
        elif root.summary.access_keys_present:
            yield SPEC.fail(root, "the root user has access keys", access_keys_present=True)
        else:
            yield SPEC.ok(root, "the root user has no access keys", access_keys_present=False)
