"""Every EC2 instance gets its AWS credentials from an IAM role (an instance profile)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.ec2.instances import is_gone
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import Instance
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_instance_iam_role",
    title="EC2 instance uses an IAM role through an instance profile",
    severity=Severity.MEDIUM,
    provider="aws",
    service="ec2",
    requires=(Instance.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.18"), ComplianceRef("cis-aws", "4.0.1", "1.18")),
    remediation=(
        "aws ec2 associate-iam-instance-profile --instance-id <instance-id> "
        "--iam-instance-profile Name=<profile-name>"
    ),
    references=(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2_instance-profiles.html",
    ),
    description=(
        "An instance without an instance profile has no temporary, rotated role credentials, so "
        "software on it that calls AWS needs long-lived access keys stored on the machine. "
        "Running, stopped and starting instances are evaluated; terminated and shutting-down "
        "ones are not."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for instance in snap.resources(Instance):
        if is_gone(instance):
            continue
        profile = instance.instance_profile_arn
        if profile is None:
            yield SPEC.error(instance, "the instance's instance profile could not be read")
        elif profile:
            yield SPEC.ok(instance, "an instance profile is attached", instance_profile_arn=profile,
                          instance_state=instance.state)
        else:
            yield SPEC.fail(instance, "no instance profile is attached", instance_profile_arn=None,
                            instance_state=instance.state)
