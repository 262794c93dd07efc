"""Every VPC records its rejected traffic with an active flow log."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_ec2 import FlowLog, Vpc
from scanner.snapshot import Snapshot

ACTIVE = "ACTIVE"
# CIS asks for rejected packets at least: ALL includes them, ACCEPT does not
CAPTURES_REJECTS = frozenset({"ALL", "REJECT"})

SPEC = CheckSpec(
    id="aws_vpc_flow_logs_enabled",
    title="VPC flow logging is enabled",
    severity=Severity.MEDIUM,
    provider="aws",
    service="vpc",
    requires=(Vpc.TYPE,),
    categories=(Category.LOGGING, Category.NETWORK),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "3.7"), ComplianceRef("cis-aws", "4.0.1", "3.7")),
    remediation=(
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc-id> --traffic-type REJECT "
        "--log-destination-type s3 --log-destination arn:aws:s3:::<bucket>"
    ),
    references=("https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",),
    description=(
        "Flow logs are the record of who tried to reach what in the VPC, needed to detect "
        "scanning and to investigate an incident. A VPC passes with at least one active "
        "flow log on the VPC itself that captures rejected traffic (ALL or REJECT) and whose "
        "delivery is not failing; subnet and interface flow logs do not cover the whole VPC."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for vpc in snap.resources(Vpc):
        if vpc.flow_logs is None:
            yield SPEC.error(vpc, "the VPC's flow logs could not be read")
            continue
        logs = [_describe(log) for log in vpc.flow_logs]
        good = [log for log in vpc.flow_logs if _effective(log)]
        if good:
            yield SPEC.ok(vpc, "an active flow log records rejected traffic", flow_logs=logs)
        elif not vpc.flow_logs:
            yield SPEC.fail(vpc, "the VPC has no flow log", flow_logs=[], is_default=vpc.is_default)
        else:
            yield SPEC.fail(vpc, "no flow log is active, captures rejected traffic and delivers",
                            flow_logs=logs, is_default=vpc.is_default)


def _effective(log: FlowLog) -> bool:
    return log.status == ACTIVE and log.traffic_type in CAPTURES_REJECTS and log.deliver_logs_status != "FAILED"


def _describe(log: FlowLog) -> dict[str, object]:
    return {
        "id": log.flow_log_id,
        "status": log.status,
        "traffic_type": log.traffic_type,
        "deliver_logs_status": log.deliver_logs_status,
        "destination_type": log.destination_type,
    }
