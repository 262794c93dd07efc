"""SNS topic policy does not allow everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.resource_policy import policy_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import SnsTopic
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_sns_topic_policy_public",
    title="SNS topic policy does not allow everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="sns",
    requires=(SnsTopic.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "Name fixed principals, or confine the statement with aws:SourceOwner, aws:SourceArn or "
        "aws:PrincipalOrgID, and apply it with aws sns set-topic-attributes --topic-arn <arn> "
        "--attribute-name Policy --attribute-value <json>"
    ),
    references=("https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-use-cases.html",),
    description=(
        "A topic policy statement that allows any principal with no confining condition lets anyone"
        " publish to the topic or subscribe to its messages. The default topic policy, confined by "
        "aws:SourceOwner, is not public."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return policy_findings(SPEC, snap.resources(SnsTopic), "topic")
