"""IAM users receive permissions only through groups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_user_permissions_through_groups",
    title="IAM users have no policies of their own (permissions come through groups)",
    severity=Severity.LOW,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.15"), ComplianceRef("cis-aws", "4.0.1", "1.15")),
    remediation="Put the user in a group holding the policy, then detach the user's own policies: "
    "aws iam detach-user-policy / aws iam delete-user-policy --user-name <user> ...",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_groups.html",),
    description="Permissions granted per user drift apart and are hard to review; groups keep them uniform.",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for user in snap.resources(IamUser):
        attached = [p.arn for p in user.attached_policies or ()]
        inline = [p.name for p in user.inline_policies or ()]
        details: dict[str, Any] = {"attached_policies": attached, "inline_policies": inline}
        if attached or inline:
            yield SPEC.fail(user, "the user has policies of its own", **details)
        elif user.attached_policies is None or user.inline_policies is None:
            yield SPEC.error(user, "the user's policies could not be read")
        else:
            yield SPEC.ok(user, "no policy on the user itself", **details)
