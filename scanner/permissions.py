"""Least-privilege policies for a selection of checks, derived from the planned collectors.

``skyscan checks permissions`` plans the selected checks (``runner.plan``) and unions the
permissions the chosen collectors declare (``CollectorSpec.permissions``), plus what the
engine itself needs whatever the checks (``SESSION``) and what an opt-in feature needs
(``EXTRAS``). Nothing here is written per check: a new collector brings its own list.

``IAM_PREFIXES`` and ``IAM_ACTION_NAMES`` translate a botocore (service, operation) into
its IAM action where the two names differ; the read-only tests use them to prove the
printed policy covers every operation a scan sends, and needs nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from scanner.collect.base import CollectorSpec

AWS_POLICY_VERSION = "2012-10-17"
AZURE_ROLE_NAME = "skyscan reader"

# Needed by every scan of the provider, before any collector runs.
SESSION: dict[str, tuple[str, ...]] = {
    # AwsContext.open learns the account id (the collectors' own reads, EC2
    # DescribeRegions included, are theirs to declare)
    "aws": ("sts:GetCallerIdentity",),
    # open_contexts lists the subscriptions in scope when none is named
    "azure": ("Microsoft.Resources/subscriptions/read",),
}

# Opt-in features and what they add (CLI flags of ``skyscan checks permissions``).
# --assume-role: --role-arn / --accounts (the base credentials assume the audit roles);
# --org: also list the organisation's accounts; --probe-anonymous / --blob-data-plane:
# the blob endpoint reads declared by the blob data plane (imported lazily: Azure SDK).
AWS_ASSUME = ("sts:AssumeRole",)
AWS_ORG = ("sts:AssumeRole", "organizations:ListAccounts")

# Azure permissions under these paths are data actions (a role's DataActions, not
# Actions): the blob, file, queue and table data planes.
AZURE_DATA_ACTION_PARTS = (
    "/blobServices/containers/blobs/",
    "/fileServices/fileshares/files/",
    "/queueServices/queues/messages/",
    "/tableServices/tables/entities/",
)

# botocore service name -> IAM service prefix, where they differ
IAM_PREFIXES: dict[str, str] = {
    "accessanalyzer": "access-analyzer",
    "efs": "elasticfilesystem",
    "s3control": "s3",
}
# (botocore service, operation) -> IAM action, where the action is not
# "<prefix>:<operation>" (AWS's Service Authorization Reference)
IAM_ACTION_NAMES: dict[tuple[str, str], str] = {
    ("s3", "ListBuckets"): "s3:ListAllMyBuckets",
    ("s3", "GetBucketEncryption"): "s3:GetEncryptionConfiguration",
    ("s3", "GetPublicAccessBlock"): "s3:GetBucketPublicAccessBlock",
    ("s3control", "GetPublicAccessBlock"): "s3:GetAccountPublicAccessBlock",
}


def iam_action(service: str, operation: str) -> str:
    """The IAM action that authorises one botocore operation."""
    explicit = IAM_ACTION_NAMES.get((service, operation))
    return explicit or f"{IAM_PREFIXES.get(service, service)}:{operation}"


def required(
    provider: str, collectors: Sequence[CollectorSpec], extras: Iterable[str] = ()
) -> tuple[str, ...]:
    """Sorted unique permissions: the session's, the collectors', the extras'.
    Azure operation names are case-insensitive: one spelling of each is kept."""
    names = [*SESSION.get(provider, ()), *(p for c in collectors for p in c.permissions), *extras]
    if provider == "azure":
        unique: dict[str, str] = {}
        for name in names:
            unique.setdefault(name.lower(), name)
        return tuple(sorted(unique.values(), key=str.lower))
    return tuple(sorted(set(names)))


def aws_policy(actions: Sequence[str]) -> dict[str, Any]:
    """An IAM policy document allowing exactly these actions."""
    return {
        "Version": AWS_POLICY_VERSION,
        "Statement": [{"Sid": "SkyscanReadOnly", "Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def is_data_action(operation: str) -> bool:
    return any(part.lower() in operation.lower() for part in AZURE_DATA_ACTION_PARTS)


def azure_role(operations: Sequence[str], subscription: str = "<subscription-id>") -> dict[str, Any]:
    """An Azure custom role definition (the ``az role definition create`` shape)."""
    return {
        "Name": AZURE_ROLE_NAME,
        "IsCustom": True,
        "Description": "Read-only access for skyscan's selected checks",
        "Actions": [o for o in operations if not is_data_action(o)],
        "NotActions": [],
        "DataActions": [o for o in operations if is_data_action(o)],
        "NotDataActions": [],
        "AssignableScopes": [f"/subscriptions/{subscription}"],
    }


def document(
    provider: str, collectors: Sequence[CollectorSpec], *, assume_role: bool = False, org: bool = False,
    blob_data_plane: bool = False,
) -> dict[str, Any]:
    """The policy (AWS) or custom role (Azure) a scan of these collectors needs."""
    extras: list[str] = []
    if provider == "aws":
        extras.extend(AWS_ASSUME if assume_role else ())
        extras.extend(AWS_ORG if org else ())
        return aws_policy(required(provider, collectors, extras))
    if blob_data_plane and any(c.name == "azure.storage" for c in collectors):
        from scanner.collect.azure import blob  # the Azure SDK loads only when asked

        extras.extend(blob.PERMISSIONS)
    return azure_role(required(provider, collectors, extras))
