"""The account has a multi-region trail that is logging all management events."""

from __future__ import annotations

from collections.abc import Iterator

from checks.aws.cloudtrail.selectors import describe, management_coverage
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import CloudTrailAccount, CloudTrailTrail
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_cloudtrail_multi_region_logging",
    title="A multi-region CloudTrail trail is logging read and write management events",
    severity=Severity.HIGH,
    provider="aws",
    service="cloudtrail",
    requires=(CloudTrailTrail.TYPE, CloudTrailAccount.TYPE),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.1"), ComplianceRef("cis-aws", "4.0.1", "3.1")),
    remediation=(
        "aws cloudtrail create-trail --name <name> --s3-bucket-name <bucket> --is-multi-region-trail "
        "&& aws cloudtrail start-logging --name <name>; keep its event selectors at ReadWriteType All "
        "with IncludeManagementEvents true"
    ),
    references=(
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
        "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html",
    ),
    description=(
        "One finding per account. It passes when at least one multi-region trail is logging and "
        "its selectors record both read and write management events (management event sources "
        "it excludes are listed in the details). If no trail qualifies while a trail's status or "
        "selectors, or a region's trail list, could not be read, the verdict is ERROR."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    trails = snap.resources(CloudTrailTrail)
    for account in snap.resources(CloudTrailAccount):
        mine = [t for t in trails if t.account == account.account]
        good, unknown = [], []
        for trail in mine:
            if not trail.is_multi_region:
                continue
            if trail.is_logging is None or trail.selectors is None:
                unknown.append(trail.trail_arn)
            elif trail.is_logging and management_coverage(trail.selectors).both:
                good.append(trail)
        seen = [describe(t) for t in mine]
        if good:
            coverage = management_coverage(good[0].selectors) if good[0].selectors else None
            yield SPEC.ok(account, f"trail {good[0].name} logs management events in every region",
                          trails=seen, qualifying=[t.trail_arn for t in good],
                          management_events=coverage.as_detail() if coverage else None)
        elif unknown or account.unread_regions:
            reason = "no qualifying trail among those read; some trails or regions could not be read"
            yield SPEC.error(account, reason, trails=seen, unread_trails=unknown,
                             unread_regions=list(account.unread_regions))
        else:
            reason = "no multi-region trail is logging read and write management events"
            yield SPEC.fail(account, reason if mine else "the account has no trail", trails=seen, qualifying=[])
