"""Every instance requires IMDSv2 session tokens (or has no metadata service at all)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.ec2.instances import GONE_STATES
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import Instance
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_ec2_instance_imdsv2_required",
    title="EC2 instance requires IMDSv2",
    severity=Severity.HIGH,
    provider="aws",
    service="ec2",
    requires=(Instance.TYPE,),
    categories=(Category.IDENTITY, Category.NETWORK),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "5.6"), ComplianceRef("cis-aws", "4.0.1", "5.7")),
    remediation=(
        "aws ec2 modify-instance-metadata-options --instance-id <instance-id> "
        "--http-tokens required --http-endpoint enabled"
    ),
    references=(
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html",
    ),
    description=(
        "With HttpTokens \"optional\" the instance still answers IMDSv1, so a server-side "
        "request forgery in any application on it can read the instance role's credentials. "
        "A disabled metadata endpoint is just as safe. Terminated and shutting-down "
        "instances are not evaluated."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for instance in snap.resources(Instance):
        if instance.state in GONE_STATES:
            continue
        options = instance.metadata_options
        if options is None:
            yield SPEC.error(instance, "the instance's metadata options could not be read")
            continue
        details: dict[str, Any] = {"http_tokens": options.http_tokens, "http_endpoint": options.http_endpoint,
                   "options_state": options.state, "instance_state": instance.state}
        if options.http_endpoint == "disabled":
            yield SPEC.ok(instance, "the metadata service is disabled", **details)
        elif options.http_tokens == "required":
            yield SPEC.ok(instance, "IMDSv2 is required", **details)
        else:
            yield SPEC.fail(instance, f"IMDSv1 is still answered (HttpTokens {options.http_tokens})", **details)
