"""Baselines: reading earlier reports, marking findings new or existing, the
``--new-only`` gate, and fingerprints that stay the same from run to run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checks.aws.s3 import aws_s3_bucket_versioning
from scanner import baseline, exitcodes, registry, runner
from scanner.baseline import PriorFinding, PriorReport, ReportFileError
from scanner.model import Finding, Severity, Status
from scanner.registry import Check
from scanner.resources.aws import S3Bucket, S3Versioning
from scanner.snapshot import Scope, Snapshot
from tests.reporting import load_report
from tests.test_cli import assert_one_line_error, skyscan, write_snapshot
from tests.test_scan_aws import run_skyscan, seed_mixed_account

SPEC = aws_s3_bucket_versioning.SPEC
ACCOUNT = "111122223333"
S3 = ("--services", "s3")  # end-to-end scans read only S3: other services have their own tests


def bucket(name: str, status: str | None = "Suspended", region: str = "us-east-1") -> S3Bucket:
    return S3Bucket(account=ACCOUNT, region=region, resource_id=f"arn:aws:s3:::{name}", name=name,
                    versioning=S3Versioning(status=status))


def versioning_check() -> Check:
    check = registry.load().get(SPEC.id)
    assert check is not None
    return check


def prior(*pairs: tuple[Finding, Status]) -> PriorReport:
    return PriorReport("old.json", "", tuple(PriorFinding(f.fingerprint, status) for f, status in pairs))


# marking -----------------------------------------------------------------------------

@pytest.mark.parametrize(("before", "now", "expected"), [
    (None, Status.FAIL, "new"),
    (Status.PASS, Status.FAIL, "new"),
    (Status.ERROR, Status.FAIL, "new"),  # a read denied yesterday hid it: fail closed
    (Status.FAIL, Status.FAIL, "existing"),
    (Status.MUTED, Status.FAIL, "existing"),  # accepted in the baseline run
    (Status.FAIL, Status.ERROR, "existing"),
    (Status.ERROR, Status.ERROR, "existing"),
    (Status.PASS, Status.ERROR, "new"),
    (None, Status.ERROR, "new"),
    (Status.FAIL, Status.PASS, None),  # only FAIL and ERROR are marked
    (None, Status.MUTED, None),
])
def test_marking(before: Status | None, now: Status, expected: str | None) -> None:
    record = bucket("a")
    finding = {Status.FAIL: SPEC.fail(record, "x"), Status.ERROR: SPEC.error(record, "x"), Status.PASS: SPEC.ok(record),
               Status.MUTED: replace(SPEC.fail(record, "x"), status=Status.MUTED, mute_reason="r")}[now]
    report = prior((finding, before)) if before else prior()
    (marked,), summary = baseline.mark([finding], report)
    assert marked.baseline == expected
    assert (summary.new, summary.existing) == ((expected == "new") * 1, (expected == "existing") * 1)


def test_new_only_counts_only_new_failures_at_the_threshold() -> None:
    records = [bucket("old"), bucket("new-1"), bucket("new-2")]
    findings = [SPEC.fail(r, "x") for r in records]  # what the scan will find: MEDIUM failures
    snap = Snapshot([Scope("aws", ACCOUNT)], records, collected=SPEC.requires)

    def gate(report: PriorReport, fail_on: Severity, new_only: bool) -> int:
        result = runner.scan(snap, [versioning_check()], baseline=report)
        return exitcodes.for_result(result, fail_on, new_only)

    everything_known = prior(*((f, Status.FAIL) for f in findings))
    only_old_known = prior((findings[0], Status.FAIL))
    assert gate(everything_known, Severity.MEDIUM, new_only=True) == exitcodes.OK
    assert gate(everything_known, Severity.MEDIUM, new_only=False) == exitcodes.FINDINGS
    assert gate(only_old_known, Severity.MEDIUM, new_only=True) == exitcodes.FINDINGS
    assert gate(only_old_known, Severity.HIGH, new_only=True) == exitcodes.OK


def test_two_scans_of_the_same_data_in_another_order_and_time_give_the_same_fingerprints() -> None:
    records = [bucket("a"), bucket("b", "Enabled"), bucket("c", None), bucket("d", region="eu-west-1")]
    checks = [versioning_check()]
    first = runner.scan(Snapshot([Scope("aws", ACCOUNT)], records, created_at="2024-01-01T00:00:00Z",
                                 collected=SPEC.requires), checks, "2024-01-01T00:00:00Z")
    second = runner.scan(Snapshot([Scope("aws", ACCOUNT)], list(reversed(records)), created_at="2025-06-01T12:00:00Z",
                                  collected=SPEC.requires), checks, "2025-06-01T12:00:00Z")
    assert first.started_at != second.started_at
    pairs = [(f.fingerprint, f.resource_id, f.status) for f in first.findings]
    assert pairs == [(f.fingerprint, f.resource_id, f.status) for f in second.findings]
    assert len({fp for fp, _, _ in pairs}) == len(records)  # one distinct fingerprint per bucket


# reading reports -----------------------------------------------------------------------

GOOD = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize(("doc", "field"), [
    ([], "top level"),
    ({"findings": []}, "schema_version"),
    ({"schema_version": "2.0", "findings": []}, "schema_version"),
    ({"schema_version": "1.0"}, "findings"),
    ({"schema_version": "1.0", "findings": {}}, "findings"),
    ({"schema_version": "1.0", "findings": ["x"]}, "findings[0]"),
    ({"schema_version": "1.0", "findings": [{"status": "FAIL"}]}, "findings[0].fingerprint"),
    ({"schema_version": "1.0", "findings": [{"fingerprint": "abc", "status": "FAIL"}]}, "findings[0].fingerprint"),
    ({"schema_version": "1.0", "findings": [{"fingerprint": GOOD, "status": "FAIL"},
                                            {"fingerprint": GOOD, "status": "BROKEN"}]}, "findings[1].status"),
    ({"schema_version": "1.0", "findings": [{"fingerprint": GOOD}]}, "findings[0].status"),
    ({"schema_version": "1.0", "findings": [{"fingerprint": GOOD, "status": "FAIL", "severity": "urgent"}]},
     "findings[0].severity"),
    ({"schema_version": "1.0", "findings": [{"fingerprint": GOOD, "status": "FAIL", "check_id": 3}]},
     "findings[0].check_id"),
])
def test_a_bad_report_names_the_field(doc: Any, field: str) -> None:
    with pytest.raises(ReportFileError) as info:
        baseline.parse_report(doc, "old.json")
    assert str(info.value).startswith(f"old.json: {field}"), str(info.value)


def test_a_minimal_report_is_enough_for_a_baseline_but_not_for_a_diff() -> None:
    doc = {"schema_version": "1.0", "findings": [{"fingerprint": GOOD, "status": "MUTED"}]}
    assert baseline.parse_report(doc, "old.json").findings == (PriorFinding(GOOD, Status.MUTED),)
    with pytest.raises(ReportFileError, match=r"findings\[0\]\.check_id"):
        baseline.parse_report(doc, "old.json", full=True)


def test_baseline_flags_through_the_cli(tmp_path: Path) -> None:
    mixed_snapshot = write_snapshot(tmp_path / "snap.json", [bucket("unversioned"), bucket("versioned", "Enabled")])
    out = tmp_path / "r.json"
    assert_one_line_error(skyscan("scan", "--snapshot", str(mixed_snapshot), "--new-only", "-o", f"json={out}"),
                          "--new-only", "--baseline")
    assert_one_line_error(skyscan("scan", "--snapshot", str(mixed_snapshot), "--baseline", str(tmp_path / "none.json"),
                                  "-o", f"json={out}"), "none.json", "no such file")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"schema_version": "1.0", "findings": [{"fingerprint": GOOD, "status": "BAD"}]}))
    assert_one_line_error(skyscan("scan", "--snapshot", str(mixed_snapshot), "--baseline", str(broken),
                                  "-o", f"json={out}"), "broken.json", "findings[0].status")
    broken.write_text("{not json")
    assert_one_line_error(skyscan("scan", "--snapshot", str(mixed_snapshot), "--baseline", str(broken)),
                          "broken.json", "not valid JSON")
    assert not out.exists()

    # a report can be its own next baseline: same data, so nothing is new
    only = ("--checks", SPEC.id)
    assert skyscan("scan", "--snapshot", str(mixed_snapshot), *only, "-o", f"json={out}").returncode == 0
    assert skyscan("scan", "--snapshot", str(mixed_snapshot), *only, "--baseline", str(out),
                   "--fail-on", "low").returncode == 1
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), *only, "--baseline", str(out), "--new-only",
                   "--fail-on", "low", "-o", "table", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    failing = [f for f in doc["findings"] if f["status"] in ("FAIL", "ERROR")]
    assert failing and {f["baseline"] for f in failing} == {"existing"}
    assert all("baseline" not in f for f in doc["findings"] if f["status"] == "PASS")
    assert doc["baseline"] == {"file": str(out), "new": 0, "existing": len(failing)}
    assert "Baseline" in proc.stdout.splitlines()[0]  # the table's extra column


# end to end against the emulator -------------------------------------------------------

def test_baseline_gate_fails_only_when_a_new_public_bucket_appears(
    aws_endpoint: str, s3_seed: Any, tmp_path: Path
) -> None:
    seed_mixed_account(s3_seed)  # already holds two CRITICAL public buckets
    old, same, new = tmp_path / "old.json", tmp_path / "same.json", tmp_path / "new.json"
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3, "-o", f"json={old}").returncode == 0
    gate = ("--baseline", str(old), "--new-only", "--fail-on", "high")

    proc = run_skyscan(aws_endpoint, "scan", "aws", *S3, *gate, "-o", f"json={same}")
    assert proc.returncode == 0, proc.stderr
    assert load_report(same)["baseline"]["new"] == 0
    # without --new-only the same scan fails: the gate is what makes it pass
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3, "--fail-on", "high", "-o", "json=-").returncode == 1

    s3_seed.create_bucket(Bucket="fresh-leak")
    s3_seed.put_bucket_acl(Bucket="fresh-leak", ACL="public-read-write")
    proc = run_skyscan(aws_endpoint, "scan", "aws", *S3, *gate, "-o", "table", "-o", f"json={new}")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(new)
    new_ones = {f["resource_id"] for f in doc["findings"] if f.get("baseline") == "new"}
    assert new_ones == {"arn:aws:s3:::fresh-leak"}
    leak = next(f for f in doc["findings"] if f["check_id"] == "aws_s3_bucket_acl_public"
                and f["resource_id"] == "arn:aws:s3:::fresh-leak")
    assert (leak["status"], leak["severity"], leak["baseline"]) == ("FAIL", "critical", "new")
    assert doc["baseline"]["new"] == sum(1 for f in doc["findings"] if f.get("baseline") == "new")
