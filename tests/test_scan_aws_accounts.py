"""End to end: ``skyscan scan aws`` over several accounts of an organisation served by
moto over HTTP (--org, --accounts, --org-role, --role-arn).

moto scopes every request made with assumed-role keys to the account in the role ARN,
so the organisation's members hold their own buckets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MOTO_ACCOUNT
from tests.reporting import load_report
from tests.test_scan_aws import ALL_BLOCKED, policy, run_skyscan

US, EU = "us-east-1", "eu-west-1"
S3_SCAN = ("scan", "aws", "--services", "s3", "--regions", f"{US},{EU}")


def member_s3(seed_client: Callable[..., Any], endpoint: str, account: str, region: str) -> Any:
    """A writing S3 client acting in ``account``: moto maps assumed-role keys to it."""
    import boto3

    issued = seed_client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/seeder",
                                            RoleSessionName="seeder")["Credentials"]
    return boto3.client("s3", region_name=region, endpoint_url=endpoint,
                        aws_access_key_id=issued["AccessKeyId"],
                        aws_secret_access_key=issued["SecretAccessKey"],
                        aws_session_token=issued["SessionToken"])


@pytest.fixture
def members(seed_client: Callable[..., Any], aws_endpoint: str) -> tuple[str, str]:
    """An organisation: alpha holds a public bucket (us-east-1), beta a private one
    (eu-west-1), the management account nothing."""
    org = seed_client("organizations")
    org.create_organization(FeatureSet="ALL")
    alpha, beta = (
        org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        for name in ("alpha", "beta")
    )
    s3 = member_s3(seed_client, aws_endpoint, alpha, US)
    s3.create_bucket(Bucket="alpha-public")
    s3.put_bucket_policy(Bucket="alpha-public", Policy=policy("alpha-public"))
    s3 = member_s3(seed_client, aws_endpoint, beta, EU)
    s3.create_bucket(Bucket="beta-private", CreateBucketConfiguration={"LocationConstraint": EU})
    s3.put_public_access_block(Bucket="beta-private", PublicAccessBlockConfiguration=ALL_BLOCKED)
    return alpha, beta


def policy_verdicts(doc: dict[str, Any]) -> dict[str, tuple[str, str, str]]:
    """aws_s3_bucket_policy_public per resource: (account, region, status)."""
    return {f["resource_id"]: (f["account"], f["region"], f["status"]) for f in doc["findings"]
            if f["check_id"] == "aws_s3_bucket_policy_public"}


def scoped_accounts(doc: dict[str, Any]) -> list[str]:
    return sorted(s["account"] for s in doc["scan"]["scopes"])


def test_org_scan_reports_every_bucket_under_its_own_account(
    aws_endpoint: str, members: tuple[str, str], tmp_path: Path
) -> None:
    alpha, beta = members
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, *S3_SCAN, "--org", "--org-role", "Audit", "--fail-on", "critical",
                       "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr  # alpha's bucket is public
    doc = load_report(out)
    assert scoped_accounts(doc) == sorted([MOTO_ACCOUNT, alpha, beta])
    assert policy_verdicts(doc) == {
        "arn:aws:s3:::alpha-public": (alpha, US, "FAIL"),
        "arn:aws:s3:::beta-private": (beta, EU, "PASS"),
    }
    # account-level Block Public Access was read in each account, none failed
    account_rows = {f["account"] for f in doc["findings"] if f["resource_type"] == "aws.s3.account"}
    assert account_rows == {MOTO_ACCOUNT, alpha, beta}
    assert doc["errors"] == [] and doc["scan"]["complete"] is True


def test_accounts_narrow_the_org(aws_endpoint: str, members: tuple[str, str], tmp_path: Path) -> None:
    alpha, _ = members
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, *S3_SCAN, "--org", "--accounts", alpha, "--org-role", "Audit",
                       "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    assert scoped_accounts(doc) == [alpha]
    assert {f["account"] for f in doc["findings"]} == {alpha}
    assert policy_verdicts(doc) == {"arn:aws:s3:::alpha-public": (alpha, US, "FAIL")}


def test_accounts_without_org_assume_the_role_in_each_named_account(
    aws_endpoint: str, members: tuple[str, str], tmp_path: Path
) -> None:
    alpha, beta = members
    out = tmp_path / "snap.json"
    proc = run_skyscan(aws_endpoint, "collect", "aws", "--services", "s3", "--accounts", f"{beta},{alpha}",
                       "--save", str(out))
    assert proc.returncode == 0, proc.stderr
    snap = json.loads(out.read_text())
    assert sorted(s["account"] for s in snap["scopes"]) == sorted([alpha, beta])
    buckets = {b["name"]: b["account"] for b in snap["resources"]["aws.s3.bucket"]}
    assert buckets == {"alpha-public": alpha, "beta-private": beta}


def test_role_arn_scans_the_assumed_account(aws_endpoint: str, members: tuple[str, str], tmp_path: Path) -> None:
    alpha, _ = members
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, *S3_SCAN, "--role-arn", f"arn:aws:iam::{alpha}:role/Audit",
                       "--role-session-name", "nightly-audit", "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    doc = load_report(out)
    assert scoped_accounts(doc) == [alpha]
    assert policy_verdicts(doc) == {"arn:aws:s3:::alpha-public": (alpha, US, "FAIL")}


def test_an_account_that_cannot_be_opened_is_an_error_and_the_rest_is_scanned(
    aws_endpoint: str, members: tuple[str, str], tmp_path: Path
) -> None:
    alpha, _ = members
    outsider = "999999999999"  # not a member: nothing may be assumed there
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, *S3_SCAN, "--org", "--accounts", f"{alpha},{outsider}", "-o", f"json={out}")
    assert proc.returncode == 3, proc.stderr
    doc = load_report(out)
    assert scoped_accounts(doc) == sorted([alpha, outsider])
    assert {(e["account"], e["operation"], e["code"], e["resource_type"]) for e in doc["errors"]} == {
        (outsider, "ListAccounts", "NotAnActiveMember", "aws.s3.bucket"),
        (outsider, "ListAccounts", "NotAnActiveMember", "aws.s3.account"),
    }
    assert {e["resource_id"] for e in doc["errors"]} == {None}
    errored = {(f["account"], f["status"]) for f in doc["findings"] if f["account"] == outsider}
    assert errored == {(outsider, "ERROR")}
    assert policy_verdicts(doc)["arn:aws:s3:::alpha-public"] == (alpha, US, "FAIL")
    assert doc["scan"]["complete"] is False


@pytest.mark.parametrize(
    ("flags", "named", "echoed"),
    [
        (("--role-arn", "arn:aws:iam::12345:role/Audit"), "--role-arn", "12345"),
        (("--role-arn", "arn:aws:iam::123456789012:user/alice"), "--role-arn", "user/alice"),
        (("--accounts", "123456789012,12345678901"), "--accounts", "12345678901"),
        (("--accounts", "12345678901x"), "--accounts", "12345678901x"),
        (("--org-role", "Audit"), "--org-role", None),
        (("--org", "--org-role", "bad role"), "--org-role", "bad role"),
        (("--role-session-name", "x"), "--role-session-name", "'x'"),
    ],
)
def test_bad_account_flags_are_one_usage_line(
    aws_endpoint: str, tmp_path: Path, flags: tuple[str, ...], named: str, echoed: str | None
) -> None:
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, *S3_SCAN, *flags, "-o", f"json={out}")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], proc.stderr
    if echoed is not None:
        assert echoed in lines[0]
    assert not out.exists()


def test_an_external_id_is_never_echoed(aws_endpoint: str) -> None:
    proc = run_skyscan(aws_endpoint, *S3_SCAN, "--role-arn", "arn:aws:iam::123456789012:role/Audit",
                       "--external-id", "s3cret token!")
    assert proc.returncode == 2
    assert "--external-id" in proc.stderr and "s3cret" not in proc.stderr
