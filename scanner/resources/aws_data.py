"""AWS data services and resource-policy holders: RDS instances and snapshots, EFS file
systems, SQS queues, SNS topics and Lambda functions.

``None`` in a field means "could not be read", as everywhere. A resource without a
policy has ``policy=ResourcePolicy(document=None)``, never ``policy=None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from scanner.resources.base import Resource


@dataclass(frozen=True)
class ResourcePolicy:
    """A resource policy as read: the parsed JSON document, or None when the resource
    has none (EFS PolicyNotFound, Lambda ResourceNotFoundException, no Policy attribute)."""

    document: dict[str, Any] | None


# RDS ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RdsInstance(Resource):
    TYPE: ClassVar[str] = "aws.rds.db_instance"
    PROVIDER: ClassVar[str] = "aws"

    db_instance_id: str
    engine: str = ""
    status: str = ""
    publicly_accessible: bool | None = None
    storage_encrypted: bool | None = None
    kms_key_id: str | None = None
    auto_minor_version_upgrade: bool | None = None
    backup_retention_period: int | None = None  # days; 0 means automated backups are off


@dataclass(frozen=True, kw_only=True)
class RdsSnapshot(Resource):
    """A manual DB snapshot (``kind`` "instance") or DB cluster snapshot ("cluster") the
    account owns. ``restore_accounts`` is the "restore" attribute: account ids allowed to
    copy or restore it, "all" meaning everyone."""

    TYPE: ClassVar[str] = "aws.rds.db_snapshot"
    PROVIDER: ClassVar[str] = "aws"

    snapshot_id: str
    kind: str = "instance"
    engine: str = ""
    encrypted: bool | None = None
    restore_accounts: tuple[str, ...] | None = None


# EFS ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class EfsFileSystem(Resource):
    TYPE: ClassVar[str] = "aws.efs.file_system"
    PROVIDER: ClassVar[str] = "aws"

    file_system_id: str
    encrypted: bool | None = None
    kms_key_id: str | None = None
    policy: ResourcePolicy | None = None


# SQS, SNS ----------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SqsQueue(Resource):
    TYPE: ClassVar[str] = "aws.sqs.queue"
    PROVIDER: ClassVar[str] = "aws"

    url: str
    policy: ResourcePolicy | None = None
    sqs_managed_sse: bool | None = None  # SqsManagedSseEnabled; False when the attribute is absent
    kms_master_key_id: str | None = None  # "" when no KMS key is configured


@dataclass(frozen=True, kw_only=True)
class SnsTopic(Resource):
    TYPE: ClassVar[str] = "aws.sns.topic"
    PROVIDER: ClassVar[str] = "aws"

    policy: ResourcePolicy | None = None
    kms_master_key_id: str | None = None  # "" when the topic is not encrypted


# Lambda ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunctionUrl:
    """One function URL (the function's own or an alias's): ``auth_type`` "NONE" lets
    anyone on the internet invoke it, "AWS_IAM" requires signed requests."""

    url: str
    auth_type: str
    function_arn: str = ""  # the qualified ARN when the URL belongs to an alias


@dataclass(frozen=True, kw_only=True)
class LambdaFunction(Resource):
    TYPE: ClassVar[str] = "aws.lambda.function"
    PROVIDER: ClassVar[str] = "aws"

    function_name: str
    runtime: str = ""
    policy: ResourcePolicy | None = None
    urls: tuple[FunctionUrl, ...] | None = None


DATA_RESOURCE_TYPES: tuple[type[Resource], ...] = (
    RdsInstance,
    RdsSnapshot,
    EfsFileSystem,
    SqsQueue,
    SnsTopic,
    LambdaFunction,
)
