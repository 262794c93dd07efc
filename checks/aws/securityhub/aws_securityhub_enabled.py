"""AWS Security Hub is enabled in every region."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_securityhub import SecurityHubRegion
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_securityhub_enabled",
    title="AWS Security Hub is enabled in the region",
    severity=Severity.MEDIUM,
    provider="aws",
    service="securityhub",
    requires=(SecurityHubRegion.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "4.16"), ComplianceRef("cis-aws", "4.0.1", "4.16")),
    remediation="aws securityhub enable-security-hub --enable-default-standards --region <region>",
    references=("https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-settingup.html",),
    description=(
        "Security Hub gathers findings from AWS services and partner tools and checks the "
        "account against security standards. It works per region, so each region scanned "
        "needs it enabled."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for region in snap.resources(SecurityHubRegion):
        if region.enabled is None:
            yield SPEC.error(region, "whether Security Hub is enabled could not be read")
        elif region.enabled:
            yield SPEC.ok(region, "Security Hub is enabled", enabled=True, hub_arn=region.hub_arn,
                          subscribed_at=region.subscribed_at)
        else:
            yield SPEC.fail(region, "Security Hub is not enabled", enabled=False)
