"""Lambda function URLs require signed requests."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, Finding, Severity
from scanner.resources.aws_data import LambdaFunction
from scanner.snapshot import Snapshot

NO_AUTH = "NONE"

SPEC = CheckSpec(
    id="aws_lambda_function_url_public",
    title="Lambda function URL requires IAM authentication",
    severity=Severity.HIGH,
    provider="aws",
    service="lambda",
    requires=(LambdaFunction.TYPE,),
    categories=(Category.PUBLIC_ACCESS,),
    remediation=(
        "aws lambda update-function-url-config --function-name <name> [--qualifier <alias>] --auth-type AWS_IAM, "
        "or delete the URL (aws lambda delete-function-url-config) when nobody needs it"
    ),
    references=("https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",),
    description=(
        "A function URL with AuthType NONE skips IAM authentication: anyone who learns the "
        "URL can invoke the function over HTTPS."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for function in snap.resources(LambdaFunction):
        if function.urls is None:
            yield SPEC.error(function, "the function URLs could not be read")
            continue
        open_urls = [{"url": u.url, "function_arn": u.function_arn} for u in function.urls if u.auth_type == NO_AUTH]
        if open_urls:
            yield SPEC.fail(function, "a function URL accepts unauthenticated requests", public_urls=open_urls)
        else:
            yield SPEC.ok(function, "no function URL accepts unauthenticated requests", public_urls=[],
                          url_count=len(function.urls))
