"""End to end: the skyscan command scanning an account served by moto over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.reporting import load_report

ROOT = Path(__file__).resolve().parent.parent

PUBLIC_READ = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject"}


def policy(bucket: str, **extra: Any) -> str:
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{**PUBLIC_READ, "Resource": f"arn:aws:s3:::{bucket}/*", **extra}]})


S3_ONLY = ("--services", "s3")
ALL_BLOCKED = {"BlockPublicAcls": True, "IgnorePublicAcls": True,
               "BlockPublicPolicy": True, "RestrictPublicBuckets": True}


def seed_mixed_account(s3: Any) -> None:
    """Public, blocked, conditionally restricted and private buckets."""
    for name in ("open-acl", "open-policy", "blocked-acl", "blocked-policy", "vpce-only", "org-only", "private"):
        s3.create_bucket(Bucket=name)
    s3.put_bucket_acl(Bucket="open-acl", ACL="public-read")
    s3.put_bucket_policy(Bucket="open-policy", Policy=policy("open-policy"))
    s3.put_bucket_acl(Bucket="blocked-acl", ACL="public-read")
    s3.put_public_access_block(Bucket="blocked-acl", PublicAccessBlockConfiguration=ALL_BLOCKED)
    s3.put_bucket_policy(Bucket="blocked-policy", Policy=policy("blocked-policy"))
    s3.put_public_access_block(Bucket="blocked-policy", PublicAccessBlockConfiguration=ALL_BLOCKED)
    s3.put_bucket_policy(Bucket="vpce-only", Policy=policy(
        "vpce-only", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1234567890abcdef0"}}))
    s3.put_bucket_policy(Bucket="org-only", Policy=policy(
        "org-only", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abcdef1234"}}))
    s3.put_public_access_block(Bucket="private", PublicAccessBlockConfiguration=ALL_BLOCKED)


def run_skyscan(endpoint: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)


def test_only_truly_exposed_buckets_rank_at_the_top(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--services", "s3", "--fail-on", "critical",
                       "-o", "table", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr
    doc = load_report(out)
    findings = doc["findings"]
    critical = [(f["check_id"], f["resource_id"]) for f in findings
                if f["status"] == "FAIL" and f["severity"] == "critical"]
    assert sorted(critical) == [
        ("aws_s3_bucket_acl_public", "arn:aws:s3:::open-acl"),
        ("aws_s3_bucket_policy_public", "arn:aws:s3:::open-policy"),
    ]
    # sorted: the truly exposed ones come first, in the JSON and in the table
    assert [(f["check_id"], f["resource_id"]) for f in findings[:2]] == sorted(critical)
    table_rows = [line for line in proc.stdout.splitlines() if line.startswith(("CRITICAL", "HIGH", "MEDIUM", "LOW"))]
    assert "open-acl" in table_rows[0] and "open-policy" in table_rows[1]

    verdicts = {(f["check_id"], f["resource_id"].rsplit(":", 1)[-1]): f for f in findings}
    latent_acl = verdicts[("aws_s3_bucket_acl_public", "blocked-acl")]
    assert (latent_acl["status"], latent_acl["severity"]) == ("FAIL", "low")
    latent_policy = verdicts[("aws_s3_bucket_policy_public", "blocked-policy")]
    assert (latent_policy["status"], latent_policy["severity"]) == ("FAIL", "low")
    for name in ("vpce-only", "org-only", "private"):
        assert verdicts[("aws_s3_bucket_policy_public", name)]["status"] == "PASS", name
        assert verdicts[("aws_s3_bucket_acl_public", name)]["status"] == "PASS", name
    assert doc["scan"]["scopes"][0]["account"] == "123456789012"
    assert doc["errors"] == [] and doc["scan"]["complete"] is True


def test_collect_then_offline_scan_equals_live_scan(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    live, offline, snap = tmp_path / "live.json", tmp_path / "offline.json", tmp_path / "snap.json"
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3_ONLY, "-o", f"json={live}").returncode == 0
    proc = run_skyscan(aws_endpoint, "collect", "aws", *S3_ONLY, "--save", str(snap))
    assert proc.returncode == 0, proc.stderr
    # the offline scan must not need the emulator at all
    proc = run_skyscan("http://127.0.0.1:9", "scan", "--snapshot", str(snap), *S3_ONLY, "-o", f"json={offline}")
    assert proc.returncode == 0, proc.stderr

    def verdicts(path: Path) -> list[tuple[str, str, str]]:
        return [(f["fingerprint"], f["status"], f["severity"]) for f in load_report(path)["findings"]]

    assert verdicts(live) == verdicts(offline)
    assert len(verdicts(live)) > 20


def test_check_selection_plans_only_what_is_needed(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--checks", "aws_s3_account_*", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    assert doc["scan"]["checks"] == ["aws_s3_account_block_public_access"]
    assert [(f["resource_id"], f["status"]) for f in doc["findings"]] == [
        ("arn:aws:s3::123456789012:account", "FAIL")]


def test_demo_runs_a_real_scan(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    proc = subprocess.run([sys.executable, "-m", "scanner", "demo", "-o", "table", "-o", f"json={out}"],
                          text=True, capture_output=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)},
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "started an AWS emulator" in proc.stderr
    doc = load_report(out)
    # the demo scans an Azure subscription too (tests/test_demo.py); this is the AWS part
    assert doc["scan"]["providers"] == ["aws", "azure"]
    findings = [f for f in doc["findings"] if f["provider"] == "aws"]
    exposed = sorted(f["resource_id"] for f in findings
                     if f["status"] == "FAIL" and f["severity"] == "critical")
    assert exposed == ["arn:aws:s3:::acme-partner-uploads", "arn:aws:s3:::acme-public-website"]
    s3 = {f["resource_id"] for f in findings if f["check_id"].startswith("aws_s3_")}
    assert len(s3) == 7  # six buckets and the account
    assert {s["regions"] and tuple(s["regions"]) for s in doc["scan"]["scopes"] if s["provider"] == "aws"} == {
        ("eu-west-1", "us-east-1")}
    ssh = [(f["region"], f["status"]) for f in findings
           if f["check_id"] == "aws_ec2_security_group_admin_ports_open"]
    assert sorted(ssh) == [("eu-west-1", "PASS"), ("eu-west-1", "PASS"), ("us-east-1", "FAIL"), ("us-east-1", "PASS")]
