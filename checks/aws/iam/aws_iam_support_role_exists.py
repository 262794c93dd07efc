"""A role exists for managing incidents with AWS Support."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.iam.admin import is_aws_managed
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamAccountSettings, IamRole
from scanner.snapshot import Snapshot

SUPPORT_POLICY = "AWSSupportAccess"

SPEC = CheckSpec(
    id="aws_iam_support_role_exists",
    title="An IAM role with AWSSupportAccess exists for AWS Support incidents",
    severity=Severity.LOW,
    provider="aws",
    service="iam",
    requires=(IamAccountSettings.TYPE, IamRole.TYPE),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.17"), ComplianceRef("cis-aws", "4.0.1", "1.17")),
    remediation="Create a role your incident responders can assume and attach the policy: "
    "aws iam attach-role-policy --role-name <role> --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess",
    references=("https://docs.aws.amazon.com/awssupport/latest/user/accessing-support.html",),
    description=(
        "Incident response with AWS Support should not need an administrator's credentials. As CIS "
        "audits it, a role must have AWSSupportAccess attached. The service-linked role "
        "AWSServiceRoleForSupport (AWSSupportServiceRolePolicy) exists in every account for AWS "
        "Support itself and does not count."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(IamAccountSettings):
        roles = [r for r in snap.resources(IamRole) if r.account == account.account]
        support = sorted(
            role.name
            for role in roles
            if any(is_aws_managed(p.arn, SUPPORT_POLICY) for p in role.attached_policies or ())
        )
        unread = sorted(role.name for role in roles if role.attached_policies is None)
        listing_failed = any(e.account == account.account for e in snap.scope_errors(IamRole.TYPE))
        if support:
            yield SPEC.ok(account, f"{len(support)} role(s) hold {SUPPORT_POLICY}", roles=support)
        elif listing_failed:
            yield SPEC.error(account, "the account's roles could not be listed")
        elif unread:
            yield SPEC.error(account, "some roles' attached policies could not be read", unread_roles=unread)
        else:
            yield SPEC.fail(account, f"no role holds {SUPPORT_POLICY}", roles=[])
