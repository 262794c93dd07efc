"""Lambda function policy does not allow everyone."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.resource_policy import policy_findings
from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import LambdaFunction
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_lambda_function_policy_public",
    title="Lambda function policy does not allow everyone",
    severity=Severity.CRITICAL,
    provider="aws",
    service="lambda",
    requires=(LambdaFunction.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "Remove the public statement (aws lambda remove-permission --function-name <name> "
        "--statement-id <sid>) and grant again naming the principal and --source-arn / --source-"
        "account"
    ),
    references=("https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html",),
    description=(
        "A function policy statement that allows any principal with no confining condition lets "
        "anyone invoke the function or read its configuration. A service principal confined by "
        "aws:SourceArn or aws:SourceAccount is not public; lambda:FunctionUrlAuthType does not "
        "confine."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    return policy_findings(SPEC, snap.resources(LambdaFunction), "function")
