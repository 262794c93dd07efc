"""The RDS, EFS, SQS, SNS and Lambda collectors against moto in server mode.

Seeded with the tests' own (writing) clients; read through ``AwsContext`` (read-only
guarded) over HTTP. Failures are injected with botocore event handlers on the scanner's
session, so everything else on the request path stays real.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from scanner.collect.aws import efs, lambda_, rds, sns, sqs
from scanner.collect.aws.context import AwsContext
from scanner.collect.base import CollectorSpec, CollectResult
from scanner.resources.aws_data import (
    EfsFileSystem,
    LambdaFunction,
    RdsInstance,
    RdsSnapshot,
    ResourcePolicy,
    SnsTopic,
    SqsQueue,
)

ACCOUNT = "123456789012"
US = "us-east-1"
EU = "eu-west-1"
PUBLIC = {"Version": "2012-10-17", "Statement": [
    {"Sid": "anyone", "Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"}]}


def run(collector: CollectorSpec, ctx: AwsContext) -> CollectResult:
    result = CollectResult()
    collector.collect(ctx, result)
    return result


def by_id(result: CollectResult, kind: type[Any]) -> dict[str, Any]:
    return {r.resource_id: r for r in result.records if isinstance(r, kind)}


def answer_with_error(ctx: AwsContext, service: str, operation: str, code: str, status: int = 403) -> None:
    """Make the scanner's ``service`` clients answer ``operation`` with an error."""

    def respond(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        parsed = {"Error": {"Code": code, "Message": f"injected {code}"},
                  "ResponseMetadata": {"HTTPStatusCode": status}}
        return AWSResponse("http://injected", status, HTTPHeaders(), None), parsed

    events: Any = ctx.session.events
    events.register(f"before-call.{service}.{operation}", respond)


# RDS -----------------------------------------------------------------------------------


def seed_rds(seed_client: Callable[..., Any]) -> None:
    client = seed_client("rds", US)
    client.create_db_instance(DBInstanceIdentifier="open-db", DBInstanceClass="db.t3.micro", Engine="postgres",
                              MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                              PubliclyAccessible=True, StorageEncrypted=False, AutoMinorVersionUpgrade=False,
                              BackupRetentionPeriod=0)
    client.create_db_instance(DBInstanceIdentifier="closed-db", DBInstanceClass="db.t3.micro", Engine="mysql",
                              MasterUsername="admin", MasterUserPassword="not-a-secret-1", AllocatedStorage=20,
                              PubliclyAccessible=False, StorageEncrypted=True, AutoMinorVersionUpgrade=True,
                              BackupRetentionPeriod=14)
    client.create_db_snapshot(DBInstanceIdentifier="open-db", DBSnapshotIdentifier="shared-snap")
    client.modify_db_snapshot_attribute(DBSnapshotIdentifier="shared-snap", AttributeName="restore",
                                        ValuesToAdd=["all"])
    client.create_db_snapshot(DBInstanceIdentifier="closed-db", DBSnapshotIdentifier="private-snap")


def test_rds_instances_and_snapshots_are_read_field_by_field(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    seed_rds(seed_client)
    result = run(rds.COLLECTOR, open_context((US, EU)))
    assert result.errors == []
    instances = by_id(result, RdsInstance)
    open_db = instances[f"arn:aws:rds:{US}:{ACCOUNT}:db:open-db"]
    assert (open_db.region, open_db.engine, open_db.publicly_accessible, open_db.storage_encrypted,
            open_db.auto_minor_version_upgrade, open_db.backup_retention_period) == (US, "postgres", True, False,
                                                                                   False, 0)
    closed = instances[f"arn:aws:rds:{US}:{ACCOUNT}:db:closed-db"]
    assert (closed.publicly_accessible, closed.storage_encrypted, closed.auto_minor_version_upgrade,
            closed.backup_retention_period) == (False, True, True, 14)
    assert len(instances) == 2
    snapshots = by_id(result, RdsSnapshot)
    shared = snapshots[f"arn:aws:rds:{US}:{ACCOUNT}:snapshot:shared-snap"]
    assert (shared.kind, shared.restore_accounts) == ("instance", ("all",))
    assert snapshots[f"arn:aws:rds:{US}:{ACCOUNT}:snapshot:private-snap"].restore_accounts == ()


def test_a_failed_rds_listing_is_a_scope_error_and_a_failed_attribute_read_leaves_none(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    seed_rds(seed_client)
    ctx = open_context((US,))
    answer_with_error(ctx, "rds", "DescribeDBInstances", "AccessDenied")
    answer_with_error(ctx, "rds", "DescribeDBSnapshotAttributes", "AccessDenied")
    result = run(rds.COLLECTOR, ctx)
    assert by_id(result, RdsInstance) == {}
    errors = {(e.operation, e.resource_type, e.resource_id, e.code, e.region) for e in result.errors}
    assert ("DescribeDBInstances", RdsInstance.TYPE, None, "AccessDenied", US) in errors
    shared = f"arn:aws:rds:{US}:{ACCOUNT}:snapshot:shared-snap"
    assert ("DescribeDBSnapshotAttributes", RdsSnapshot.TYPE, shared, "AccessDenied", US) in errors
    assert by_id(result, RdsSnapshot)[shared].restore_accounts is None


# EFS -----------------------------------------------------------------------------------


def test_efs_file_systems_with_encryption_and_policy(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    client = seed_client("efs", EU)
    encrypted = client.create_file_system(CreationToken="a", Encrypted=True)["FileSystemId"]
    plain = client.create_file_system(CreationToken="b", Encrypted=False)["FileSystemId"]
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
              "Action": "elasticfilesystem:ClientMount", "Resource": "*"}]}
    client.put_file_system_policy(FileSystemId=plain, Policy=json.dumps(policy))
    result = run(efs.COLLECTOR, open_context((US, EU)))
    assert result.errors == []
    found = {r.file_system_id: r for r in result.records if isinstance(r, EfsFileSystem)}
    assert set(found) == {encrypted, plain}
    assert (found[encrypted].encrypted, found[encrypted].policy, found[encrypted].region) == (
        True, ResourcePolicy(None), EU)
    assert found[plain].encrypted is False
    assert found[plain].policy is not None and found[plain].policy.document == policy
    assert found[plain].resource_id.startswith(f"arn:aws:elasticfilesystem:{EU}:{ACCOUNT}:file-system/")


def test_an_efs_policy_read_that_fails_is_none_with_an_error(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    seed_client("efs", US).create_file_system(CreationToken="a", Encrypted=True)
    ctx = open_context((US,))
    answer_with_error(ctx, "efs", "DescribeFileSystemPolicy", "AccessDeniedException")
    result = run(efs.COLLECTOR, ctx)
    (fs,) = [r for r in result.records if isinstance(r, EfsFileSystem)]
    assert fs.policy is None and fs.encrypted is True
    assert [(e.operation, e.resource_id, e.code) for e in result.errors] == [
        ("DescribeFileSystemPolicy", fs.resource_id, "AccessDeniedException")]


# SQS and SNS ---------------------------------------------------------------------------


def test_sqs_queues_with_policies_and_encryption(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    client = seed_client("sqs", US)
    client.create_queue(QueueName="open-queue", Attributes={"Policy": json.dumps(PUBLIC)})
    client.create_queue(QueueName="plain-queue", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    result = run(sqs.COLLECTOR, open_context((US, EU)))
    assert result.errors == []
    queues = by_id(result, SqsQueue)
    assert set(queues) == {f"arn:aws:sqs:{US}:{ACCOUNT}:open-queue", f"arn:aws:sqs:{US}:{ACCOUNT}:plain-queue"}
    open_queue = queues[f"arn:aws:sqs:{US}:{ACCOUNT}:open-queue"]
    assert open_queue.policy == ResourcePolicy(PUBLIC)
    assert open_queue.url.endswith("/open-queue")
    plain = queues[f"arn:aws:sqs:{US}:{ACCOUNT}:plain-queue"]
    assert (plain.policy, plain.kms_master_key_id) == (ResourcePolicy(None), "alias/aws/sqs")


def test_a_failed_queue_listing_is_one_scope_error_per_region(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context((US, EU))
    answer_with_error(ctx, "sqs", "ListQueues", "AccessDenied")
    result = run(sqs.COLLECTOR, ctx)
    assert result.records == []
    assert sorted((e.region, e.operation, e.resource_type, e.resource_id) for e in result.errors) == [
        (EU, "ListQueues", SqsQueue.TYPE, None), (US, "ListQueues", SqsQueue.TYPE, None)]


def test_sns_topics_with_their_policies(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    client = seed_client("sns", EU)
    default_arn = client.create_topic(Name="default-topic")["TopicArn"]
    open_arn = client.create_topic(Name="open-topic")["TopicArn"]
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "SNS:Publish", "Resource": open_arn}]}
    client.set_topic_attributes(TopicArn=open_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    ctx = open_context((US, EU))
    result = run(sns.COLLECTOR, ctx)
    assert result.errors == []
    topics = by_id(result, SnsTopic)
    assert set(topics) == {default_arn, open_arn}
    assert topics[open_arn].policy == ResourcePolicy(policy)
    default = topics[default_arn].policy
    assert default is not None and default.document is not None  # SNS gives every topic a policy
    assert topics[default_arn].region == EU


def test_a_failed_topic_read_leaves_the_policy_unread(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    arn = seed_client("sns", US).create_topic(Name="t")["TopicArn"]
    ctx = open_context((US,))
    answer_with_error(ctx, "sns", "GetTopicAttributes", "AuthorizationError")
    result = run(sns.COLLECTOR, ctx)
    assert by_id(result, SnsTopic)[arn].policy is None
    assert [(e.operation, e.resource_id, e.code) for e in result.errors] == [
        ("GetTopicAttributes", arn, "AuthorizationError")]


# Lambda --------------------------------------------------------------------------------


def seed_function(seed_client: Callable[..., Any], name: str, region: str = US, account: str = ACCOUNT) -> str:
    role = f"arn:aws:iam::{account}:role/lambda-role"  # the account seed_client acts in
    try:
        seed_client("iam").create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    except seed_client("iam").exceptions.EntityAlreadyExistsException:
        pass  # one role serves every function
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    answer = seed_client("lambda", region).create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler",
        Code={"ZipFile": code.getvalue()})
    return str(answer["FunctionArn"])


def test_lambda_functions_with_policies_and_function_urls(
    seed_client: Callable[..., Any], open_context: Callable[..., AwsContext]
) -> None:
    public_arn = seed_function(seed_client, "public-fn")
    private_arn = seed_function(seed_client, "private-fn")
    client = seed_client("lambda", US)
    client.add_permission(FunctionName="public-fn", StatementId="anyone", Action="lambda:InvokeFunctionUrl",
                          Principal="*", FunctionUrlAuthType="NONE")
    client.create_function_url_config(FunctionName="public-fn", AuthType="NONE")
    result = run(lambda_.COLLECTOR, open_context((US,)))
    functions = by_id(result, LambdaFunction)
    assert set(functions) == {public_arn, private_arn}
    public = functions[public_arn]
    assert public.runtime == "python3.12"
    assert public.policy is not None and public.policy.document is not None
    (statement,) = public.policy.document["Statement"]
    assert (statement["Sid"], statement["Principal"], statement["Action"]) == ("anyone", "*",
                                                                              "lambda:InvokeFunctionUrl")
    assert functions[private_arn].policy == ResourcePolicy(None)  # ResourceNotFoundException: no policy
    # moto has no ListFunctionUrlConfigs: the URLs stay unread, each with a typed error
    url_errors = {e.resource_id: e for e in result.errors if e.operation == "ListFunctionUrlConfigs"}
    for arn, function in functions.items():
        if function.urls is None:
            assert url_errors[arn].resource_type == LambdaFunction.TYPE and url_errors[arn].code
        else:
            assert arn not in url_errors
    assert {e.operation for e in result.errors} <= {"ListFunctionUrlConfigs"}


def test_a_failed_function_listing_is_a_scope_error(open_context: Callable[..., AwsContext]) -> None:
    ctx = open_context((US,))
    answer_with_error(ctx, "lambda", "ListFunctions", "AccessDeniedException")
    result = run(lambda_.COLLECTOR, ctx)
    assert result.records == []
    assert [(e.operation, e.resource_id, e.code) for e in result.errors] == [
        ("ListFunctions", None, "AccessDeniedException")]
