"""No KMS key policy lets everyone use or manage the key."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.kms.key_policy import public_key_statements
from checks.aws.policy import PolicyError
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_logging import KmsKey
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_kms_key_policy_public",
    title="KMS key policy does not grant access to everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="kms",
    requires=(KmsKey.TYPE,),
    categories=(Category.PUBLIC_ACCESS, Category.ENCRYPTION),
    remediation=(
        "Replace the open principal with the accounts or roles that need the key, or confine it "
        "(kms:CallerAccount, aws:PrincipalOrgID, aws:SourceVpce), then apply with "
        "aws kms put-key-policy --key-id <key-id> --policy-name default --policy file://policy.json"
    ),
    references=(
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html",
        "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html",
    ),
    description=(
        "A key policy statement that allows any principal, with no condition confining it to an "
        "account, organisation or network, lets anyone decrypt with the key or change it. Judged "
        "for customer-managed keys in every state; AWS writes the policies of AWS-managed keys."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for key in snap.resources(KmsKey):
        if not key.policy_applies():
            continue
        if key.policy is None:
            yield SPEC.error(key, "the key policy could not be read")
            continue
        if key.policy.document is None:
            yield SPEC.error(key, f"the key policy is {key.policy.raw_error}")
            continue
        try:
            statements = public_key_statements(key.policy.document)
        except PolicyError as exc:
            yield SPEC.error(key, f"the key policy is malformed: {exc}")
            continue
        if statements:
            yield SPEC.fail(key, "the key policy allows everyone", key_state=key.key_state,
                            public_statements=[s.as_detail() for s in statements])
        else:
            yield SPEC.ok(key, "no statement allows everyone", public_statements=[])
