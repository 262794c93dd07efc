"""No IAM user holds administrator access directly."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.iam.admin import PolicyError, full_admin_statements, inline_admin, is_aws_managed
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_iam import IamManagedPolicy, IamUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_user_no_direct_admin_policy",
    title="No IAM user has administrator access attached directly",
    severity=Severity.HIGH,
    provider="aws",
    service="iam",
    requires=(IamUser.TYPE, IamManagedPolicy.TYPE),
    categories=(Category.IDENTITY,),
    remediation="Grant administration through a role that people assume (with MFA), or at least a group; "
    "then: aws iam detach-user-policy --user-name <user> --policy-arn <arn>",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",),
    description=(
        "A user holding AdministratorAccess, or any policy of its own allowing \"*:*\", turns every "
        "one of that user's long-lived credentials into an administrator credential."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    documents = {(p.account, p.resource_id): p for p in snap.resources(IamManagedPolicy)}
    for user in snap.resources(IamUser):
        admin: list[str] = []
        unknown: list[str] = []
        if user.attached_policies is None:
            unknown.append("attached policies")
        for attached in user.attached_policies or ():
            if is_aws_managed(attached.arn, "AdministratorAccess"):
                admin.append(attached.arn)
                continue
            policy = documents.get((user.account, attached.arn))
            if policy is None or policy.document is None:
                unknown.append(attached.arn)
                continue
            try:
                if full_admin_statements(policy.document):
                    admin.append(attached.arn)
            except PolicyError:
                unknown.append(attached.arn)
        if user.inline_policies is None:
            unknown.append("inline policies")
        else:
            granting, malformed = inline_admin(user.inline_policies)
            admin.extend(f"inline:{name}" for name in granting)
            unknown.extend(f"inline:{name}" for name in malformed)
        if admin:
            yield SPEC.fail(user, "administrator access is attached to the user", policies=admin, undecided=unknown)
        elif unknown:
            yield SPEC.error(user, "some of the user's policies could not be read or parsed", undecided=unknown)
        else:
            yield SPEC.ok(user, "no administrator policy on the user itself", policies=[])
