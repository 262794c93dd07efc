"""AWS Config records every supported resource type in every region."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_logging import ConfigRecorder, ConfigRegion
from scanner.snapshot import Snapshot

ALL_SUPPORTED = "ALL_SUPPORTED_RESOURCE_TYPES"
FAILED = "FAILURE"

SPEC = CheckSpec(
    id="aws_config_recording_all_regions",
    title="AWS Config is recording all resource types in the region",
    severity=Severity.MEDIUM,
    provider="aws",
    service="config",
    requires=(ConfigRegion.TYPE,),
    categories=(Category.LOGGING,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.3"), ComplianceRef("cis-aws", "4.0.1", "3.3")),
    remediation=(
        "aws configservice put-configuration-recorder --configuration-recorder name=default,roleARN=<role> "
        "--recording-group allSupported=true,includeGlobalResourceTypes=true --region <region>; then "
        "aws configservice start-configuration-recorder --configuration-recorder-name default --region <region>"
    ),
    references=(
        "https://docs.aws.amazon.com/config/latest/developerguide/select-resources.html",
        "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
    ),
    description=(
        "One finding per region. A region passes with a recorder that records all supported "
        "resource types (allSupported, or the ALL_SUPPORTED_RESOURCE_TYPES strategy; inclusion or "
        "exclusion lists do not count), is recording, and whose last delivery did not fail "
        "(PENDING, just after a start, counts as running). Global IAM types need recording in one "
        "region only (AWS advises against duplicating them), so a region without them fails only "
        "when no region of the account records them."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    regions = snap.resources(ConfigRegion)
    for region in regions:
        if region.recorders is None:
            yield SPEC.error(region, "the region's configuration recorders could not be listed")
            continue
        seen = [_describe(r) for r in region.recorders]
        if not region.recorders:
            yield SPEC.fail(region, "the region has no configuration recorder", recorders=[])
            continue
        if any(r.recording is None for r in region.recorders) and not any(_running_all(r) for r in region.recorders):
            yield SPEC.error(region, "the recorders' status could not be read", recorders=seen)
            continue
        good = [r for r in region.recorders if _running_all(r)]
        if not good:
            yield SPEC.fail(region, "no recorder is recording all supported resource types", recorders=seen)
        elif any(r.include_global_resource_types for r in good):
            yield SPEC.ok(region, "recording all resource types, global ones included", recorders=seen,
                          global_types_recorded_in=[region.region])
        else:
            elsewhere = _global_regions(regions, region.account)
            if elsewhere:
                yield SPEC.ok(region, "recording all regional resource types; global ones are recorded in "
                              f"{', '.join(elsewhere)}", recorders=seen, global_types_recorded_in=elsewhere)
            elif any(r.recorders is None for r in regions if r.account == region.account):
                yield SPEC.error(region, "global resource types are not recorded here and another region "
                                 "could not be read", recorders=seen)
            else:
                yield SPEC.fail(region, "global IAM resource types are recorded in no region", recorders=seen,
                                global_types_recorded_in=[])


def _running_all(recorder: ConfigRecorder) -> bool:
    records_all = recorder.all_supported and recorder.recording_strategy in ("", ALL_SUPPORTED)
    return records_all and recorder.recording is True and recorder.last_status != FAILED


def _global_regions(regions: tuple[ConfigRegion, ...], account: str) -> list[str]:
    return sorted(
        r.region for r in regions
        if r.account == account and any(_running_all(c) and c.include_global_resource_types for c in r.recorders or ())
    )


def _describe(recorder: ConfigRecorder) -> dict[str, object]:
    return {
        "name": recorder.name,
        "all_supported": recorder.all_supported,
        "include_global_resource_types": recorder.include_global_resource_types,
        "recording_strategy": recorder.recording_strategy,
        "recording": recorder.recording,
        "last_status": recorder.last_status,
    }
