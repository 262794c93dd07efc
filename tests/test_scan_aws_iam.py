"""End to end: ``skyscan scan aws --services iam`` in a subprocess, against moto (IAM,
STS, EC2 regions) and the local Access Analyzer emulator, both over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import access_analyzer_emulator
from tests.reporting import load_report

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "123456789012"
IAM = f"arn:aws:iam::{ACCOUNT}"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
US, EU = "us-east-1", "eu-west-1"


def doc(**statement: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


TRUST = doc(Effect="Allow", Principal={"AWS": f"{IAM}:root"}, Action="sts:AssumeRole")


@pytest.fixture
def analyzers() -> Iterator[access_analyzer_emulator.AccessAnalyzerEmulator]:
    with access_analyzer_emulator.running() as emulator:
        yield emulator


@pytest.fixture
def iam(seed_client: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    # moto (in this process) builds its IAM backend with the AWS-managed policies
    # (AdministratorAccess, AWSSupportAccess) only when this is set at the first IAM call
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return seed_client("iam")


def seed_mixed_account(iam: Any, analyzers: access_analyzer_emulator.AccessAnalyzerEmulator) -> None:
    """Safe and unsafe principals side by side."""
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    iam.create_group(GroupName="developers")
    iam.attach_group_policy(GroupName="developers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_group(GroupName="operators")
    iam.put_group_policy(GroupName="operators", PolicyName="everything", PolicyDocument=doc(
        Effect="Allow", Action=["*"], Resource="*"))

    # safe: console password with MFA, one key, permissions through a group
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="a-long-and-unguessable-passphrase")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="alice", SerialNumber=serial, AuthenticationCode1="111111",
                          AuthenticationCode2="222222")
    iam.create_access_key(UserName="alice")
    iam.add_user_to_group(GroupName="developers", UserName="alice")

    # unsafe: console password without MFA, two active keys, AdministratorAccess of its own
    iam.create_user(UserName="bob")
    iam.create_login_profile(UserName="bob", Password="another-long-passphrase-here")
    iam.create_access_key(UserName="bob")
    iam.create_access_key(UserName="bob")
    iam.attach_user_policy(UserName="bob", PolicyArn=ADMIN)

    iam.create_role(RoleName="support", AssumeRolePolicyDocument=TRUST)
    iam.attach_role_policy(RoleName="support", PolicyArn="arn:aws:iam::aws:policy/AWSSupportAccess")
    iam.create_role(RoleName="ci-deploy", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="ci-deploy", PolicyName="deploy", PolicyDocument=doc(
        Effect="Allow", Action="s3:PutObject", Resource="arn:aws:s3:::artifacts/*"))
    iam.create_policy(PolicyName="spare-admin", PolicyDocument=doc(Effect="Allow", Action="*:*", Resource="*"))

    analyzers.add(US, "account-analyzer", account=ACCOUNT)  # eu-west-1 has none


def run_skyscan(endpoint: str, analyzer_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ENDPOINT_URL_ACCESSANALYZER": analyzer_url,
    }
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True,
                          cwd=ROOT, env=env, timeout=300)


def verdicts(findings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for finding in findings:
        key = (finding["check_id"], finding["resource_id"])
        assert key not in found, key
        found[key] = finding
    return found


def test_unsafe_principals_are_reported_and_safe_ones_pass(
    aws_endpoint: str, iam: Any, analyzers: access_analyzer_emulator.AccessAnalyzerEmulator, tmp_path: Path
) -> None:
    seed_mixed_account(iam, analyzers)
    out = tmp_path / "iam.json"
    proc = run_skyscan(aws_endpoint, analyzers.url, "scan", "aws", "--services", "iam", "--regions", f"{US},{EU}",
                       "--fail-on", "high", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr
    report = load_report(out)
    found = verdicts(report["findings"])

    def status(check: str, resource: str) -> str:
        return str(found[(check, resource)]["status"])

    failed = sorted((f["check_id"], f["resource_id"]) for f in report["findings"] if f["status"] == "FAIL")
    assert failed == sorted([
        ("aws_iam_access_analyzer_enabled", f"arn:aws:access-analyzer:{EU}:{ACCOUNT}:analyzers"),
        ("aws_iam_policy_no_full_admin", ADMIN),
        ("aws_iam_policy_no_full_admin", f"{IAM}:group/operators"),
        ("aws_iam_root_mfa_enabled", f"{IAM}:root"),  # moto's account summary: no root MFA
        ("aws_iam_user_console_mfa", f"{IAM}:user/bob"),
        ("aws_iam_user_no_direct_admin_policy", f"{IAM}:user/bob"),
        ("aws_iam_user_permissions_through_groups", f"{IAM}:user/bob"),
        ("aws_iam_user_single_active_key", f"{IAM}:user/bob"),
    ])
    for finding in report["findings"]:
        assert finding["account"] == ACCOUNT
        assert finding["region"] == (finding["resource_id"].split(":")[3] or "global"), finding["resource_id"]
    bob = found[("aws_iam_user_no_direct_admin_policy", f"{IAM}:user/bob")]
    assert (bob["severity"], bob["details"]["policies"]) == ("high", [ADMIN])
    assert found[("aws_iam_user_single_active_key", f"{IAM}:user/bob")]["details"]["active_keys"] == 2
    assert found[("aws_iam_policy_no_full_admin", ADMIN)]["details"]["attached_to"] == ["user/bob"]
    assert found[("aws_iam_policy_no_full_admin", f"{IAM}:group/operators")]["details"]["inline_policies"] == [
        "everything"]

    for check in ("aws_iam_user_console_mfa", "aws_iam_user_no_direct_admin_policy",
                  "aws_iam_user_single_active_key", "aws_iam_user_permissions_through_groups",
                  "aws_iam_user_credentials_unused", "aws_iam_user_access_key_rotated"):
        assert status(check, f"{IAM}:user/alice") == "PASS", check
    assert status("aws_iam_policy_no_full_admin", f"{IAM}:policy/spare-admin") == "PASS"  # attached to nothing
    assert status("aws_iam_policy_no_full_admin", f"{IAM}:role/ci-deploy") == "PASS"
    assert status("aws_iam_password_policy_min_length", f"{IAM}:account") == "PASS"
    assert status("aws_iam_password_policy_reuse_prevention", f"{IAM}:account") == "PASS"
    assert status("aws_iam_support_role_exists", f"{IAM}:account") == "PASS"
    assert status("aws_iam_root_access_keys_absent", f"{IAM}:root") == "PASS"
    assert status("aws_iam_access_analyzer_enabled", f"arn:aws:access-analyzer:{US}:{ACCOUNT}:analyzers") == "PASS"

    # moto's credential report has no root row: that check cannot decide, and says so
    assert status("aws_iam_root_recent_use", f"{IAM}:root") == "ERROR"
    assert [(e["operation"], e["code"]) for e in report["errors"]] == [("GetCredentialReport", "NoRootRow")]
    assert report["scan"]["complete"] is False
    assert analyzers.requests == {US: 1, EU: 1}


def test_a_saved_snapshot_re_evaluates_identically_offline(
    aws_endpoint: str, iam: Any, analyzers: access_analyzer_emulator.AccessAnalyzerEmulator, tmp_path: Path
) -> None:
    seed_mixed_account(iam, analyzers)
    live, offline, snap = tmp_path / "live.json", tmp_path / "offline.json", tmp_path / "snap.json"
    proc = run_skyscan(aws_endpoint, analyzers.url, "scan", "aws", "--services", "iam", "--regions", US,
                       "--save-snapshot", str(snap), "-o", f"json={live}")
    assert proc.returncode == 3, proc.stderr  # incomplete: the root row
    # no emulator at all for the offline scan; the ages are measured from the snapshot's time
    proc = run_skyscan("http://127.0.0.1:9", "http://127.0.0.1:9", "scan", "--snapshot", str(snap),
                       "--services", "iam", "-o", f"json={offline}")
    assert proc.returncode == 3, proc.stderr

    def outcome(path: Path) -> list[tuple[str, str, str, Any]]:
        return [(f["fingerprint"], f["status"], f["severity"], f["details"].get("as_of"))
                for f in load_report(path)["findings"]]

    assert outcome(live) == outcome(offline)
    created_at = json.loads(snap.read_text())["created_at"]
    as_of = {row[3] for row in outcome(live) if row[3] is not None}
    assert as_of == {created_at.replace("+00:00", "Z")}


def test_selecting_the_analyzer_check_reads_only_access_analyzer(
    aws_endpoint: str, iam: Any, analyzers: access_analyzer_emulator.AccessAnalyzerEmulator, tmp_path: Path
) -> None:
    seed_mixed_account(iam, analyzers)
    out = tmp_path / "aa.json"
    proc = run_skyscan(aws_endpoint, analyzers.url, "scan", "aws", "--checks", "aws_iam_access_analyzer_enabled",
                       "--regions", f"{US},{EU}", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    report = load_report(out)
    assert [(f["region"], f["status"]) for f in report["findings"]] == [(EU, "FAIL"), (US, "PASS")]
    assert report["errors"] == []  # the IAM collector (and its credential report) never ran
