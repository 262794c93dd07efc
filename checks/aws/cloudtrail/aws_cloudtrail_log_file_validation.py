"""Every trail writes digest files that prove its log files were not altered."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import CloudTrailTrail
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_log_file_validation",
    title="CloudTrail trail has log file validation enabled",
    severity=Severity.MEDIUM,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.2"), ComplianceRef("cis-aws", "4.0.1", "3.2")),
    remediation="aws cloudtrail update-trail --name <trail> --enable-log-file-validation",
    references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html",),
    description=(
        "With validation on, CloudTrail signs an hourly digest of the log files it delivered, so "
        "a deleted or edited log file can be detected."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for trail in snap.resources(CloudTrailTrail):
        if trail.log_file_validation is None:
            yield SPEC.error(trail, "the trail's log file validation setting could not be read")
        elif trail.log_file_validation:
            yield SPEC.ok(trail, "log file validation is on", log_file_validation=True)
        else:
            yield SPEC.fail(trail, "log file validation is off", log_file_validation=False)
