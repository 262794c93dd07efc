"""SQS queue policy does not allow everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.resource_policy import policy_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import SqsQueue
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_sqs_queue_policy_public",
    title="SQS queue policy does not allow everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="sqs",
    requires=(SqsQueue.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "Name fixed principals, or confine the statement with aws:SourceArn, aws:SourceAccount or "
        "aws:PrincipalOrgID, and apply it with aws sqs set-queue-attributes --queue-url <url> "
        "--attributes Policy=<json>"
    ),
    references=("https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-basic-examples-of-sqs-policies.html",),
    description=(
        "A queue policy statement that allows any principal with no confining condition lets anyone"
        " on the internet send, receive or delete messages, or change the queue."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return policy_findings(SPEC, snap.resources(SqsQueue), "queue")
