"""``skyscan checks permissions``: the least-privilege IAM policy / Azure custom role,
derived from the planned collectors, and proven against what a complete scan sends."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scanner import cli, permissions
from scanner.collect import catalog
from tests.test_read_only import (  # noqa: F401  (fixtures)
    RecordedScan,
    moto_process,
    recorded_aws_scan,
)

# In the policy although a plain scan never sends them: bucket tags are read only when a
# mute file selects by tag or the snapshot is saved (no check reads them, so the
# narrowed scan skips GetBucketTagging). (sts:AssumeRole and organizations:ListAccounts
# are only printed with --assume-role / --org, the paths that use them.)
OTHER_PATHS: frozenset[str] = frozenset({"s3:GetBucketTagging"})


def printed(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    assert cli.main(["checks", "permissions", *args]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def actions(doc: dict[str, Any]) -> list[str]:
    (statement,) = doc["Statement"]
    assert (statement["Sid"], statement["Effect"], statement["Resource"]) == ("SkyscanReadOnly", "Allow", "*")
    return list(statement["Action"])


def test_the_aws_policy_covers_every_operation_of_a_complete_scan_and_nothing_more(
    recorded_aws_scan: RecordedScan, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    doc = printed(capsys, "--provider", "aws")
    assert doc["Version"] == "2012-10-17"
    policy = actions(doc)
    assert policy == sorted(set(policy))
    needed = {permissions.iam_action(service, op) for service, op in recorded_aws_scan.operations}
    assert sorted(needed - set(policy)) == []
    assert sorted(set(policy) - needed - OTHER_PATHS) == []
    # the names that differ from the API's are translated, not guessed
    assert {"s3:ListAllMyBuckets", "s3:GetEncryptionConfiguration", "s3:GetBucketPublicAccessBlock",
            "s3:GetAccountPublicAccessBlock", "elasticfilesystem:DescribeFileSystemPolicy",
            "iam:GenerateCredentialReport", "access-analyzer:ListAnalyzers"} <= set(policy)


def test_the_policy_follows_the_selection_through_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    s3 = actions(printed(capsys, "--provider", "aws", "--services", "s3"))
    (collector,) = [c for c in catalog.collectors("aws") if c.name == "aws.s3"]
    assert s3 == sorted({*collector.permissions, "sts:GetCallerIdentity"})
    one = actions(printed(capsys, "--provider", "aws", "--checks", "aws_kms_key_rotation_enabled"))
    assert all(a.startswith(("kms:", "ec2:DescribeRegions", "sts:")) for a in one) and "kms:ListKeys" in one
    assert not set(one) & set(s3) - {"sts:GetCallerIdentity"}


def test_multi_account_paths_add_their_actions_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    base = set(actions(printed(capsys, "--provider", "aws", "--services", "s3")))
    assert {"sts:AssumeRole", "organizations:ListAccounts"}.isdisjoint(base)
    assert set(actions(printed(capsys, "--provider", "aws", "--services", "s3", "--assume-role"))) - base == {
        "sts:AssumeRole"}
    assert set(actions(printed(capsys, "--provider", "aws", "--services", "s3", "--org"))) - base == {
        "sts:AssumeRole", "organizations:ListAccounts"}


def test_every_aws_collector_declares_its_actions_in_iam_form() -> None:
    for collector in catalog.collectors("aws"):
        assert collector.permissions, collector.name
        for action in collector.permissions:
            prefix, _, name = action.partition(":")
            assert prefix and name[:1].isupper() and "*" not in action, (collector.name, action)


def test_the_azure_role_splits_actions_and_data_actions(capsys: pytest.CaptureFixture[str]) -> None:
    role = printed(capsys, "--provider", "azure")
    assert (role["Name"], role["IsCustom"], role["NotActions"], role["AssignableScopes"]) == (
        "skyscan reader", True, [], ["/subscriptions/<subscription-id>"])
    assert role["DataActions"] == []
    assert "Microsoft.Resources/subscriptions/read" in role["Actions"]
    assert {"Microsoft.Storage/storageAccounts/read", "Microsoft.Network/networkSecurityGroups/read",
            "Microsoft.Sql/servers/databases/transparentDataEncryption/read"} <= set(role["Actions"])
    assert all(op.lower().endswith("/read") for op in role["Actions"])
    plane = printed(capsys, "--provider", "azure", "--services", "storage", "--blob-data-plane")
    assert plane["DataActions"] == ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"]
    network = printed(capsys, "--provider", "azure", "--services", "network", "--blob-data-plane")
    assert network["DataActions"] == [] and not any("Storage" in a for a in network["Actions"])


def test_every_azure_collector_declares_read_operations() -> None:
    for collector in catalog.collectors("azure"):
        assert collector.permissions, collector.name
        for operation in collector.permissions:
            namespace = operation.split("/", 1)[0]
            assert namespace.startswith("Microsoft.") and operation.lower().endswith("/read"), operation


def test_json_names_the_checks_and_collectors(capsys: pytest.CaptureFixture[str]) -> None:
    doc = printed(capsys, "--provider", "aws", "--services", "efs", "--json")
    assert doc["collectors"] == ["aws.efs"] and doc["provider"] == "aws"
    assert all(c.startswith("aws_efs_") for c in doc["checks"]) and doc["checks"]
    assert "elasticfilesystem:DescribeFileSystemPolicy" in actions(doc["document"])


def test_a_bad_selection_is_one_usage_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["checks", "permissions", "--provider", "aws", "--checks", "no_such_check"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--checks" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["checks", "permissions"])
    assert stopped.value.code == 2 and "--provider" in capsys.readouterr().err


def test_unknown_operations_map_to_their_iam_names() -> None:
    assert permissions.iam_action("s3", "ListBuckets") == "s3:ListAllMyBuckets"
    assert permissions.iam_action("s3control", "GetPublicAccessBlock") == "s3:GetAccountPublicAccessBlock"
    assert permissions.iam_action("efs", "DescribeFileSystemPolicy") == "elasticfilesystem:DescribeFileSystemPolicy"
    assert permissions.iam_action("accessanalyzer", "ListAnalyzers") == "access-analyzer:ListAnalyzers"
    assert permissions.iam_action("ec2", "DescribeVolumes") == "ec2:DescribeVolumes"
