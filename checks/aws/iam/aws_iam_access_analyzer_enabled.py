"""IAM Access Analyzer is enabled in every region."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import AccessAnalyzerRegion
from scanner.snapshot import Snapshot

# Analyzer types that look for external access (the unused- and internal-access
# analyzers answer other questions).
EXTERNAL_ACCESS_TYPES = frozenset({"ACCOUNT", "ORGANIZATION"})

SPEC = CheckSpec(
    id="aws_iam_access_analyzer_enabled",
    title="IAM Access Analyzer has an active external-access analyzer in the region",
    severity=Severity.LOW,
    provider="aws",
    service="iam",
    requires=(AccessAnalyzerRegion.TYPE,),
    categories=(Category.IDENTITY,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.20"), ComplianceRef("cis-aws", "4.0.1", "1.20")),
    remediation="aws accessanalyzer create-analyzer --analyzer-name <name> --type ACCOUNT --region <region>",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html",),
    description=(
        "Access Analyzer reports resources shared outside the account or organisation; it only "
        "looks at the region it runs in, so every region needs one that is ACTIVE."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for region in snap.resources(AccessAnalyzerRegion):
        if region.analyzers is None:
            yield SPEC.error(region, "the region's analyzers could not be listed")
            continue
        seen = [{"name": a.name, "type": a.type, "status": a.status} for a in region.analyzers]
        active = sorted(a.name for a in region.analyzers if a.status == "ACTIVE" and a.type in EXTERNAL_ACCESS_TYPES)
        if active:
            yield SPEC.ok(region, "an external-access analyzer is active", active=active, analyzers=seen)
        elif seen:
            yield SPEC.fail(region, "no external-access analyzer is active", active=[], analyzers=seen)
        else:
            yield SPEC.fail(region, "no analyzer in the region", active=[], analyzers=[])
