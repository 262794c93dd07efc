"""No policy granting full "*:*" administrative access is attached."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.iam.admin import PolicyError, full_admin_statements, inline_admin, statement_detail
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamGroup, IamManagedPolicy, IamRole, IamUser
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_policy_no_full_admin",
    title='No attached IAM policy allows "*:*" (every action on every resource)',
    severity=Severity.HIGH,
    provider="aws",
    service="iam",
    requires=(IamManagedPolicy.TYPE, IamUser.TYPE, IamGroup.TYPE, IamRole.TYPE),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.16"), ComplianceRef("cis-aws", "4.0.1", "1.16")),
    remediation="Replace the policy with one granting only the actions the principal needs, then detach it: "
    "aws iam detach-<user|group|role>-policy ... --policy-arn <arn> (inline: aws iam delete-<user|group|role>-policy)",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",),
    description=(
        'A statement with Effect Allow, Action "*" and Resource "*" makes its holder an '
        "administrator. Managed policies (customer-managed, and AWS-managed ones in use such as "
        "AdministratorAccess) fail when attached to anything; inline policies fail on the user, "
        "group or role holding them."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    holders = _holders(snap)
    for policy in snap.resources(IamManagedPolicy):
        if policy.document is None:
            yield SPEC.error(policy, "the policy's default version could not be read")
            continue
        try:
            granting = full_admin_statements(policy.document)
        except PolicyError as exc:
            yield SPEC.error(policy, "the policy document is malformed", problem=str(exc))
            continue
        details: dict[str, Any] = {
            "aws_managed": policy.aws_managed,
            "attachment_count": policy.attachment_count,
            "attached_to": holders.get((policy.account, policy.resource_id), []),
        }
        if granting and policy.attachment_count > 0:
            statements = [statement_detail(s) for s in granting]
            yield SPEC.fail(policy, 'an attached policy allows "*:*"', statements=statements, **details)
        elif granting:
            yield SPEC.ok(policy, 'allows "*:*" but is attached to nothing', grants_full_admin=True, **details)
        else:
            yield SPEC.ok(policy, 'does not allow "*:*"', grants_full_admin=False, **details)
    principals: list[IamUser | IamGroup | IamRole] = [*snap.resources(IamUser), *snap.resources(IamGroup)]
    principals.extend(snap.resources(IamRole))
    for principal in principals:
        if principal.inline_policies is None:
            yield SPEC.error(principal, "the inline policies could not be read")
            continue
        granting_names, malformed = inline_admin(principal.inline_policies)
        if granting_names:
            yield SPEC.fail(principal, 'an inline policy allows "*:*"', inline_policies=granting_names)
        elif malformed:
            yield SPEC.error(principal, "an inline policy is malformed", malformed=malformed)
        else:
            yield SPEC.ok(principal, 'no inline policy allows "*:*"', inline_policies=[])


def _holders(snap: Snapshot) -> dict[tuple[str, str], list[str]]:
    """(account, policy ARN) -> the principals it is attached to, as "user/<name>" etc."""
    found: dict[tuple[str, str], list[str]] = {}
    kinds: list[tuple[str, tuple[IamUser | IamGroup | IamRole, ...]]] = [
        ("user", snap.resources(IamUser)),
        ("group", snap.resources(IamGroup)),
        ("role", snap.resources(IamRole)),
    ]
    for kind, principals in kinds:
        for principal in principals:
            for attached in principal.attached_policies or ():
                found.setdefault((principal.account, attached.arn), []).append(f"{kind}/{principal.name}")
    return {key: sorted(names) for key, names in found.items()}
