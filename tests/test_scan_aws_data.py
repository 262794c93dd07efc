"""End to end: ``skyscan scan aws --services rds,efs,sqs,sns,lambda`` over resources served
by moto over HTTP, in two regions. Unsafe resources FAIL under the right check, account
and region; safe ones PASS. moto has no ListFunctionUrlConfigs, so the function-URL
check gives ERROR here (it is covered by scenario fixtures) and the scan is incomplete.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.collect.test_aws_data_collectors import seed_function
from tests.reporting import assert_seeded_verdicts, findings_by_resource, load_report
from tests.test_scan_aws_ec2 import run_skyscan

ACCOUNT = "123456789012"
US, EU = "us-east-1", "eu-west-1"


def policy(principal: Any, action: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed(seed_client: Callable[..., Any]) -> tuple[dict[str, set[str]], set[str]]:
    """Returns ({unsafe resource id: the checks that must FAIL}, safe resource ids)."""
    unsafe: dict[str, set[str]] = {}
    safe: set[str] = set()
    db = seed_client("rds", US)
    common = {"DBInstanceClass": "db.t3.micro", "MasterUsername": "admin", "MasterUserPassword": "not-a-secret-1",
              "AllocatedStorage": 20, "Engine": "postgres"}
    db.create_db_instance(DBInstanceIdentifier="open-db", PubliclyAccessible=True, StorageEncrypted=False,
                          AutoMinorVersionUpgrade=False, BackupRetentionPeriod=0, **common)
    db.create_db_instance(DBInstanceIdentifier="good-db", PubliclyAccessible=False, StorageEncrypted=True,
                          AutoMinorVersionUpgrade=True, BackupRetentionPeriod=7, **common)
    unsafe[f"arn:aws:rds:{US}:{ACCOUNT}:db:open-db"] = {
        "aws_rds_instance_public", "aws_rds_instance_storage_encrypted", "aws_rds_instance_auto_minor_upgrade",
        "aws_rds_instance_backup_retention"}
    safe.add(f"arn:aws:rds:{US}:{ACCOUNT}:db:good-db")
    db.create_db_snapshot(DBInstanceIdentifier="good-db", DBSnapshotIdentifier="shared")
    db.modify_db_snapshot_attribute(DBSnapshotIdentifier="shared", AttributeName="restore", ValuesToAdd=["all"])
    db.create_db_snapshot(DBInstanceIdentifier="good-db", DBSnapshotIdentifier="kept")
    unsafe[f"arn:aws:rds:{US}:{ACCOUNT}:snapshot:shared"] = {"aws_rds_snapshot_public"}
    safe.add(f"arn:aws:rds:{US}:{ACCOUNT}:snapshot:kept")

    files = seed_client("efs", EU)
    bad = files.create_file_system(CreationToken="bad", Encrypted=False)["FileSystemArn"]
    files.put_file_system_policy(FileSystemId=bad.rsplit("/", 1)[1],
                                 Policy=policy({"AWS": "*"}, "elasticfilesystem:ClientMount"))
    unsafe[bad] = {"aws_efs_file_system_encrypted", "aws_efs_file_system_policy_public"}
    safe.add(files.create_file_system(CreationToken="good", Encrypted=True)["FileSystemArn"])

    queues = seed_client("sqs", EU)
    queues.create_queue(QueueName="open", Attributes={"Policy": policy("*", "sqs:SendMessage")})
    queues.create_queue(QueueName="confined", Attributes={"Policy": policy(
        "*", "sqs:SendMessage", {"StringEquals": {"aws:SourceAccount": ACCOUNT}})})
    unsafe[f"arn:aws:sqs:{EU}:{ACCOUNT}:open"] = {"aws_sqs_queue_policy_public"}
    safe.add(f"arn:aws:sqs:{EU}:{ACCOUNT}:confined")

    topics = seed_client("sns", US)
    open_topic = topics.create_topic(Name="open")["TopicArn"]
    topics.set_topic_attributes(TopicArn=open_topic, AttributeName="Policy",
                                AttributeValue=policy({"AWS": "*"}, "SNS:Publish"))
    from_events = topics.create_topic(Name="from-events")["TopicArn"]
    topics.set_topic_attributes(TopicArn=from_events, AttributeName="Policy", AttributeValue=policy(
        {"Service": "events.amazonaws.com"}, "SNS:Publish",
        {"ArnEquals": {"aws:SourceArn": f"arn:aws:events:{US}:{ACCOUNT}:rule/r"}}))
    unsafe[open_topic] = {"aws_sns_topic_policy_public"}
    safe.add(from_events)
    safe.add(topics.create_topic(Name="default")["TopicArn"])

    public_fn = seed_function(seed_client, "public-fn")
    seed_client("lambda", US).add_permission(FunctionName="public-fn", StatementId="anyone",
                                             Action="lambda:InvokeFunction", Principal="*")
    unsafe[public_fn] = {"aws_lambda_function_policy_public"}
    return unsafe, safe


def test_unsafe_data_resources_fail_and_safe_ones_pass(
    aws_endpoint: str, seed_client: Callable[..., Any], tmp_path: Path
) -> None:
    unsafe, safe = seed(seed_client)
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--regions", f"{US},{EU}", "--services",
                       "rds,efs,sqs,sns,lambda", "-o", f"json={out}")
    assert proc.returncode not in (0, 2) and "Traceback" not in proc.stderr, proc.stderr
    doc = load_report(out)
    by_resource = findings_by_resource(doc)
    url_check = "aws_lambda_function_url_public"
    assert_seeded_verdicts(by_resource, unsafe, list(safe), ACCOUNT, ignore=(url_check,))
    # the emulator cannot list function URLs: an ERROR with its typed cause, never a PASS
    public_fn = next(r for r in unsafe if ":function:" in r)
    assert by_resource[public_fn][url_check]["status"] == "ERROR"
    assert {e["operation"] for e in doc["errors"]} == {"ListFunctionUrlConfigs"}
    assert doc["scan"]["complete"] is False
    assert {f["region"] for f in doc["findings"]} == {US, EU}
