"""No AMI the account owns can be launched by everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.ec2.shares import is_public, shared_with
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_ec2 import MachineImage
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_ami_public",
    title="AMI is not shared publicly",
    severity=Severity.CRITICAL,
    provider="aws",
    service="ec2",
    requires=(MachineImage.TYPE,),
    categories=(Category.PUBLIC_ACCESS, Category.DATA_PROTECTION),
    remediation=(
        "aws ec2 modify-image-attribute --image-id <ami-id> "
        "--launch-permission 'Remove=[{Group=all}]'; then "
        "aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing"
    ),
    references=(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html",
    ),
    description=(
        "A public AMI can be launched, and its snapshots read, by any AWS account: "
        "credentials, keys and data baked into the image are exposed. Either DescribeImages' "
        "Public flag or a launch permission for the group \"all\" makes it public."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for image in snap.resources(MachineImage):
        permissions = image.launch_permissions
        public = image.public is True or (permissions is not None and is_public(permissions))
        audience = shared_with(permissions or ())
        if public:
            yield SPEC.fail(image, "anyone can launch this AMI", public=True, **audience)
        elif image.public is None and permissions is None:
            yield SPEC.error(image, "neither the AMI's public flag nor its launch permissions could be read")
        else:  # the public flag decides; without it, the launch permissions it summarises
            yield SPEC.ok(image, "the AMI is not public", public=False, **audience)
