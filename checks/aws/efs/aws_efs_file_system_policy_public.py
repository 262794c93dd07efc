"""EFS file system policy does not allow everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.resource_policy import policy_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import EfsFileSystem
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_efs_file_system_policy_public",
    title="EFS file system policy does not allow everyone",
    severity=Severity.HIGH,
    provider="aws",
    service="efs",
    requires=(EfsFileSystem.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "Name fixed principals, or confine the statement with aws:SourceVpce, aws:SourceAccount or "
        "aws:PrincipalOrgID, and apply it with aws efs put-file-system-policy --file-system-id <id>"
        " --policy <json>"
    ),
    references=("https://docs.aws.amazon.com/efs/latest/ug/iam-access-control-nfs-efs.html",),
    description=(
        "A file system policy statement that allows any principal with no confining condition lets "
        "any client that can reach a mount target mount and write the file system."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return policy_findings(SPEC, snap.resources(EfsFileSystem), "file system")
