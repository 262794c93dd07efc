"""The command line, end to end through a subprocess: exit codes and bad input.

Scans here evaluate snapshot files (no cloud); live scans are in test_scan_aws.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scanner import snapshot
from scanner.resources.aws import PublicAccessBlock, S3AccountSettings, S3Bucket, S3Versioning
from scanner.snapshot import CollectionError, Scope, Snapshot
from tests.reporting import load_report, validate_report_text

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
TYPES = ("aws.s3.bucket", "aws.s3.account")


def skyscan(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=cwd, env=env, timeout=120)


def bucket(name: str, **fields: Any) -> S3Bucket:
    return S3Bucket(account=ACCOUNT, region="us-east-1", resource_id=f"arn:aws:s3:::{name}", name=name, **fields)


def write_snapshot(path: Path, buckets: list[S3Bucket], errors: tuple[CollectionError, ...] = ()) -> Path:
    account = S3AccountSettings(account=ACCOUNT, region="us-east-1", resource_id=f"arn:aws:s3::{ACCOUNT}:account",
                                name=ACCOUNT, public_access_block=PublicAccessBlock(True, True, True, True))
    snap = Snapshot([Scope("aws", ACCOUNT, ("us-east-1",))], [*buckets, account], errors, collected=TYPES)
    snapshot.save(snap, path)
    return path


@pytest.fixture
def mixed_snapshot(tmp_path: Path) -> Path:
    """One bucket failing versioning (MEDIUM), one passing."""
    return write_snapshot(tmp_path / "snap.json", [
        bucket("unversioned", versioning=S3Versioning(status="Suspended")),
        bucket("versioned", versioning=S3Versioning(status="Enabled")),
    ])


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# exit codes -----------------------------------------------------------------------

def test_exit_0_without_fail_on_even_with_failures(mixed_snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), "--checks", "aws_s3_bucket_versioning",
                   "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    assert {f["resource_id"]: f["status"] for f in doc["findings"]} == {
        "arn:aws:s3:::unversioned": "FAIL", "arn:aws:s3:::versioned": "PASS"}
    assert doc["scan"]["complete"] is True
    assert doc["summary"]["by_status"]["FAIL"] == 1


def test_exit_1_when_a_failure_is_at_or_above_fail_on(mixed_snapshot: Path) -> None:
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), "--checks", "aws_s3_bucket_versioning",
                   "--fail-on", "medium")
    assert proc.returncode == 1
    assert "aws_s3_bucket_versioning" in proc.stdout and "unversioned" in proc.stdout


def test_exit_0_when_failures_are_below_fail_on(mixed_snapshot: Path) -> None:
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), "--checks", "aws_s3_bucket_versioning",
                   "--fail-on", "high")
    assert proc.returncode == 0, proc.stderr


def test_exit_3_when_data_is_missing(tmp_path: Path) -> None:
    error = CollectionError("aws", ACCOUNT, "us-east-1", "s3", "GetBucketVersioning", "AccessDenied",
                            "denied", "aws.s3.bucket", "arn:aws:s3:::secret")
    snap = write_snapshot(tmp_path / "s.json", [bucket("secret"), bucket("fine", versioning=S3Versioning("Enabled"))],
                          (error,))
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(snap), "--checks", "aws_s3_bucket_versioning",
                   "--fail-on", "medium", "-o", "table", "-o", f"json={out}")
    assert proc.returncode == 3
    assert "SCAN INCOMPLETE" in proc.stdout
    doc = load_report(out)
    assert {f["resource_id"]: f["status"] for f in doc["findings"]} == {
        "arn:aws:s3:::secret": "ERROR", "arn:aws:s3:::fine": "PASS"}
    assert doc["errors"][0]["operation"] == "GetBucketVersioning"
    assert doc["scan"]["complete"] is False


def test_failures_at_fail_on_win_over_incomplete(tmp_path: Path) -> None:
    error = CollectionError("aws", ACCOUNT, "us-east-1", "s3", "GetBucketVersioning", "Throttled", "slow",
                            "aws.s3.bucket", "arn:aws:s3:::unread")
    snap = write_snapshot(tmp_path / "s.json", [bucket("unread"), bucket("off", versioning=S3Versioning(None))],
                          (error,))
    proc = skyscan("scan", "--snapshot", str(snap), "--checks", "aws_s3_bucket_versioning", "--fail-on", "low")
    assert proc.returncode == 1


def test_failed_listing_gives_error_for_the_scope_not_a_pass(tmp_path: Path) -> None:
    error = CollectionError("aws", ACCOUNT, "us-east-1", "s3", "ListBuckets", "AccessDenied", "denied",
                            "aws.s3.bucket", None)
    snap = write_snapshot(tmp_path / "s.json", [], (error,))
    proc = skyscan("scan", "--snapshot", str(snap), "--checks", "aws_s3_bucket_versioning", "-o", "json")
    assert proc.returncode == 3
    doc = validate_report_text(proc.stdout)
    assert [(f["status"], f["resource_id"]) for f in doc["findings"]] == [
        ("ERROR", f"aws:{ACCOUNT}:us-east-1:aws.s3.bucket:*")]


def test_snapshot_without_the_required_data_gives_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    snapshot.save(Snapshot([Scope("aws", ACCOUNT, ())], [], (), collected=()), path)
    proc = skyscan("scan", "--snapshot", str(path), "--checks", "aws_s3_bucket_versioning", "-o", "json")
    assert proc.returncode == 3
    assert [f["status"] for f in validate_report_text(proc.stdout)["findings"]] == ["ERROR"]


def test_json_findings_are_sorted_by_outcome_severity_check_and_resource(mixed_snapshot: Path) -> None:
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), "-o", "json")
    findings = validate_report_text(proc.stdout)["findings"]
    order = ["critical", "high", "medium", "low", "info"]
    keys = [(f["status"] in ("PASS", "MUTED"), order.index(f["severity"]), f["check_id"], f["resource_id"])
            for f in findings]
    assert keys == sorted(keys) and len(keys) > 2


# bad input ------------------------------------------------------------------------

def test_missing_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(tmp_path / "nope.json"), "-o", f"json={out}")
    assert_one_line_error(proc, "nope.json", "no such file")
    assert not out.exists()


def test_corrupt_snapshot_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "skyscan-snapshot",\n  "schema_version": 1,,}')
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(bad), "-o", f"json={out}")
    assert_one_line_error(proc, "bad.json", "line 2")
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_snapshot_with_a_bad_field_names_the_field(mixed_snapshot: Path) -> None:
    doc = json.loads(mixed_snapshot.read_text())
    doc["resources"]["aws.s3.bucket"][1]["versioning"]["mfa_delete"] = "perhaps"
    mixed_snapshot.write_text(json.dumps(doc))
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot))
    assert_one_line_error(proc, "resources.aws.s3.bucket[1].versioning.mfa_delete")


def test_snapshot_of_a_newer_version(mixed_snapshot: Path) -> None:
    doc = json.loads(mixed_snapshot.read_text())
    doc["schema_version"] = 99
    mixed_snapshot.write_text(json.dumps(doc))
    assert_one_line_error(skyscan("scan", "--snapshot", str(mixed_snapshot)), "schema_version")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["scan", "--snapshot", "{snap}", "--checks", "aws_nothing_like_this"], ["--checks", "aws_nothing_like_this"]),
        (["scan", "--snapshot", "{snap}", "-o", "xml"], ["unknown format", "xml"]),
        (["scan", "--snapshot", "{snap}", "-o", "json=/no/such/dir/r.json"], ["/no/such/dir"]),
        (["scan", "--snapshot", "{snap}", "-o", "json", "-o", "table"], ["standard output"]),
        (["scan", "--snapshot", "{snap}", "--fail-on", "severe"], ["--fail-on", "severe"]),
        (["scan", "--snapshot", "{snap}", "--services", "dynamo"], ["--services", "dynamo"]),
        (["scan", "--snapshot", "{snap}", "--frobnicate"], ["--frobnicate"]),
        (["scan"], ["provider"]),
        (["scan", "aws", "--snapshot", "{snap}"], ["not both"]),
        (["checks", "explain", "aws_s3_bucket_versionin"], ["aws_s3_bucket_versionin", "did you mean"]),
        (["bogus-command"], ["bogus-command"]),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(mixed_snapshot: Path, args: list[str], fragments: list[str]) -> None:
    proc = skyscan(*(a.replace("{snap}", str(mixed_snapshot)) for a in args))
    assert_one_line_error(proc, *fragments)
    assert proc.stdout == ""


def test_no_aws_credentials_is_a_usage_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PYTHONPATH=str(ROOT), AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_EC2_METADATA_DISABLED="true")
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--endpoint-url", "http://127.0.0.1:9"],
                          text=True, capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert_one_line_error(proc, "credentials")


def test_unknown_profile_is_a_usage_error(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--profile", "ghost"],
                          text=True, capture_output=True, cwd=ROOT, env=env, timeout=120)
    assert_one_line_error(proc, "--profile", "ghost")


# checks list / explain ----------------------------------------------------------

def test_checks_list_json_has_every_builtin_check() -> None:
    proc = skyscan("checks", "list", "--provider", "aws", "--json")
    assert proc.returncode == 0
    ids = {c["id"] for c in json.loads(proc.stdout)}
    assert {"aws_s3_bucket_acl_public", "aws_s3_bucket_policy_public", "aws_s3_bucket_versioning"} <= ids


def test_checks_list_filters_by_severity() -> None:
    proc = skyscan("checks", "list", "--min-severity", "critical", "--json")
    assert {c["severity"] for c in json.loads(proc.stdout)} == {"critical"}


def test_checks_explain_shows_remediation_and_compliance() -> None:
    proc = skyscan("checks", "explain", "aws_s3_bucket_secure_transport")
    assert proc.returncode == 0
    assert "aws s3api" in proc.stdout and "cis-aws" in proc.stdout


# --framework ------------------------------------------------------------------------

def test_scan_framework_adds_a_per_control_summary(tmp_path: Path) -> None:
    from scanner.resources.aws import S3BucketPolicy

    deny_http = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                "Resource": ["arn:aws:s3:::tls", "arn:aws:s3:::tls/*"],
                                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    snap = write_snapshot(tmp_path / "s.json", [
        bucket("tls", policy=S3BucketPolicy(deny_http), versioning=S3Versioning("Enabled", mfa_delete=True)),
        bucket("plain", policy=S3BucketPolicy(None), versioning=S3Versioning("Enabled", mfa_delete=True)),
    ])
    out = tmp_path / "r.json"
    checks = "aws_s3_bucket_secure_transport,aws_s3_bucket_mfa_delete"
    proc = skyscan("scan", "--snapshot", str(snap), "--checks", checks,
                   "--framework", "cis-aws-4.0.1", "-o", "table", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    (summary,) = load_report(out)["compliance"]
    assert (summary["framework"], summary["version"]) == ("cis-aws", "4.0.1")
    controls = {c["id"]: c for c in summary["controls"]}
    assert controls["2.1.1"]["status"] == "FAIL" and controls["2.1.1"]["checks"] == ["aws_s3_bucket_secure_transport"]
    assert controls["2.1.1"]["findings"]["FAIL"] == 1 and controls["2.1.1"]["findings"]["PASS"] == 1
    assert controls["2.1.2"]["status"] == "PASS"
    assert controls["1.1"]["status"] == "NOT_EVALUATED"
    assert summary["counts"]["FAIL"] == 1 and summary["counts"]["PASS"] == 1
    assert summary["counts"]["NOT_EVALUATED"] == len(controls) - 2
    assert any(line.startswith("2.1.1") and "FAIL" in line for line in proc.stdout.splitlines())


def test_scan_unknown_framework_is_a_usage_error(mixed_snapshot: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(mixed_snapshot), "--framework", "cis-aws-9", "-o", f"json={out}")
    assert_one_line_error(proc, "--framework", "cis-aws-9")
    assert not out.exists()


def test_long_resource_ids_keep_their_name_in_the_table() -> None:
    from scanner.report.text import printable

    arm = "/subscriptions/5d3e0c1a-7b2f-4e9d/resourceGroups/rg-web/providers/Microsoft.Storage/storageAccounts/acmeweb"
    shown = printable(arm, 40, keep_end=True)
    assert len(shown) == 40 and shown.endswith("storageAccounts/acmeweb") and shown.startswith("/subscription")
    assert printable("x\x1b[2J", 40, keep_end=True) == "x\\x1b[2J"


def test_an_error_on_data_no_selected_check_reads_does_not_make_the_scan_incomplete(tmp_path: Path) -> None:
    error = CollectionError("aws", ACCOUNT, "global", "iam", "GetCredentialReport", "NoRootRow", "no root row",
                            "aws.iam.root_user", f"arn:aws:iam::{ACCOUNT}:root")
    snap = write_snapshot(tmp_path / "s.json", [bucket("v", versioning=S3Versioning("Enabled"))], (error,))
    out = tmp_path / "r.json"
    proc = skyscan("scan", "--snapshot", str(snap), "--checks", "aws_s3_bucket_versioning", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    assert doc["scan"]["complete"] is True
    assert [e["operation"] for e in doc["errors"]] == ["GetCredentialReport"]  # still reported
