"""A logging multi-region trail records S3 object-level read and write events for
every bucket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.cloudtrail.selectors import Coverage, describe, s3_data_coverage
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import CloudTrailAccount, CloudTrailTrail
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_s3_data_events",
    title="CloudTrail records S3 object-level read and write events for all buckets",
    severity=Severity.MEDIUM,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE, CloudTrailAccount.TYPE),
    categories=(Category.LOGGING,),
    compliance=(
        ComplianceRef("cis-aws", "3.0.0", "3.8"), ComplianceRef("cis-aws", "3.0.0", "3.9"),
        ComplianceRef("cis-aws", "4.0.1", "3.8"), ComplianceRef("cis-aws", "4.0.1", "3.9"),
    ),
    remediation=(
        "aws cloudtrail put-event-selectors --trail-name <multi-region trail> --event-selectors "
        "'[{\"ReadWriteType\":\"All\",\"IncludeManagementEvents\":true,\"DataResources\":"
        "[{\"Type\":\"AWS::S3::Object\",\"Values\":[\"arn:aws:s3\"]}]}]'"
    ),
    references=("https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",),
    description=(
        "One finding per account (CIS splits it into write events, 3.8, and read events, 3.9; the "
        "details say which half is missing). Only logging multi-region trails count, since a "
        "single-region trail sees the objects of its own region only, and only selectors that "
        "cover every bucket: selectors narrowed to some buckets or event names do not."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    trails = snap.resources(CloudTrailTrail)
    for account in snap.resources(CloudTrailAccount):
        mine = [t for t in trails if t.account == account.account and t.is_multi_region]
        total, unknown = Coverage(), []
        by_trail: dict[str, dict[str, bool]] = {}
        for trail in mine:
            if trail.is_logging is None or trail.selectors is None:
                unknown.append(trail.trail_arn)
            elif trail.is_logging:
                coverage = s3_data_coverage(trail.selectors)
                total = total.merge(coverage.read, coverage.write)
                by_trail[trail.trail_arn] = {"read": coverage.read, "write": coverage.write}
        details: dict[str, Any] = {"read": total.read, "write": total.write, "trails": [describe(t) for t in mine],
                   "coverage_by_trail": by_trail}
        if total.both:
            yield SPEC.ok(account, "S3 object reads and writes are logged for every bucket", **details)
        elif unknown or account.unread_regions:
            yield SPEC.error(account, "S3 data events are not fully covered by the trails read; some "
                             "trails or regions could not be read", unread_trails=unknown,
                             unread_regions=list(account.unread_regions), **details)
        else:
            missing = [kind for kind, on in (("write", total.write), ("read", total.read)) if not on]
            yield SPEC.fail(account, f"S3 object-level {' and '.join(missing)} events are not logged for "
                            "every bucket", missing=missing, **details)
