"""End to end, issue 3's acceptance scan: ``skyscan scan aws --org`` over an emulated
organisation (a management account and two members, two regions), every AWS service
seeded in each member with one unsafe and one safe resource (per region where the
service is regional).

One scan, then: each unsafe resource FAILs exactly the expected checks under its own
account and region, each safe one only PASSes, the scopes name every account with both
regions, and the CIS AWS 4.0.1 summary fails exactly the controls of the checks that
failed. The platform's own resources (default VPCs, their default security groups and
network ACLs) and account settings nobody seeded (password policy, root MFA, account
Block Public Access, the support role, Security Hub; everything regional in the
management account) fail too: they are enumerated explicitly, not tolerated loosely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scanner import registry
from tests.aws_seeds import (
    ClientFactory,
    Seeded,
    account_clients,
    account_trails,
    config_recorders,
    platform_defaults,
    seed_cloudtrail,
    seed_config,
    seed_ec2,
    seed_efs,
    seed_iam,
    seed_kms,
    seed_rds,
    seed_resource_policies,
    seed_s3,
)
from tests.conftest import MOTO_ACCOUNT
from tests.reporting import load_report
from tests.test_scan_aws import run_skyscan

US, EU = "us-east-1", "eu-west-1"
REGIONS = (US, EU)
FRAMEWORK = ("cis-aws", "4.0.1")
# Checks the emulator cannot serve, left out of the scan (each is covered by scenario
# fixtures and, where possible, by a narrower CLI test):
UNSERVED = {
    "aws_iam_root_recent_use",  # moto's credential report has no <root_account> row: always ERROR
    "aws_iam_access_analyzer_enabled",  # moto has no Access Analyzer (test_scan_aws_iam uses a stand-in)
    "aws_lambda_function_url_public",  # moto has no ListFunctionUrlConfigs: always ERROR
    "aws_s3_bucket_mfa_delete",  # moto ignores MFADelete in PutBucketVersioning: always FAIL
}

Fail = tuple[str, str, str, str]  # (check id, account, region, resource id)


def selected_checks() -> list[registry.Check]:
    return [c for c in registry.load().select(provider="aws") if c.spec.id not in UNSERVED]


def controls_of(check: registry.Check) -> set[str]:
    return {r.control for r in check.spec.compliance if (r.framework, r.version) == FRAMEWORK}


def seed_member(c: ClientFactory, account: str, home: str, *, trail: bool) -> list[Seeded]:
    """Everything in one member account. ``home`` is the region with EBS encryption by
    default and a Config recorder (the other region has neither), so the two members
    mirror each other and a mixed-up region shows. With ``trail``, a compliant
    multi-region trail lives in us-east-1; without, the account has no trail at all."""
    seeds = seed_iam(c, account)
    for region in REGIONS:
        seeds += seed_s3(c, account, region, trail_bucket=trail and region == US)
        private = f"private-{account}-{region}"
        seeds += seed_ec2(c, account, region, ebs_default=region == home, flow_log_bucket=private)
        keys, rotating_key = seed_kms(c, account, region)
        seeds += keys
        if region == home:
            seeds += seed_config(c, account, region, bucket=private)
        else:
            seeds.append(Seeded(account, region, config_recorders(account, region),
                                frozenset({"aws_config_recording_all_regions"})))
        seeds += seed_rds(c, account, region)
        seeds += seed_efs(c, account, region)
        seeds += seed_resource_policies(c, account, region)
        if trail and region == US:
            seeds += seed_cloudtrail(c, account, region, bucket=private, key=rotating_key)
    # the account-wide trail verdicts (one finding per account, region "global")
    account_wide = set() if trail else {"aws_cloudtrail_multi_region_logging", "aws_cloudtrail_s3_data_events"}
    return [*seeds, Seeded(account, "global", account_trails(account), frozenset(account_wide))]


def unseeded_failures(c: ClientFactory, account: str, *, managed: bool) -> set[Fail]:
    """FAILs on what nobody seeded in ``account``: the platform's network defaults, the
    account settings left as a new account has them, and (for the management account,
    which is scanned but not seeded) every regional setting and the missing trail."""
    iam = f"arn:aws:iam::{account}"
    expected: set[Fail] = {
        ("aws_s3_account_block_public_access", account, US, f"arn:aws:s3::{account}:account"),
        ("aws_iam_password_policy_min_length", account, "global", f"{iam}:account"),  # no policy: 8 characters
        ("aws_iam_password_policy_reuse_prevention", account, "global", f"{iam}:account"),
        ("aws_iam_support_role_exists", account, "global", f"{iam}:account"),
        ("aws_iam_root_mfa_enabled", account, "global", f"{iam}:root"),  # moto's account summary: no root MFA
    }
    for region in REGIONS:
        defaults = platform_defaults(c, account, region)
        # in a member, the seeded encrypted volume made moto create the default key
        assert len(defaults.ebs_keys) == (0 if managed else 1)
        expected |= {("aws_kms_key_rotation_enabled", account, region, key) for key in defaults.ebs_keys}
        expected |= {("aws_vpc_flow_logs_enabled", account, region, vpc) for vpc in defaults.vpcs}
        # a default group allows traffic among its members and all egress
        expected |= {("aws_vpc_default_security_group_restricts_all", account, region, group)
                     for group in defaults.security_groups}
        # a default network ACL allows all inbound traffic from anywhere
        expected |= {("aws_vpc_network_acl_admin_ports_open", account, region, acl)
                     for acl in defaults.network_acls}
        # Security Hub is off until an account enables it, region by region
        expected.add(("aws_securityhub_enabled", account, region,
                      f"arn:aws:securityhub:{region}:{account}:hub/default"))
        if managed:
            expected |= {
                ("aws_ec2_ebs_default_encryption", account, region,
                 f"arn:aws:ec2:{region}:{account}:ebs-encryption-by-default"),
                ("aws_config_recording_all_regions", account, region, config_recorders(account, region)),
            }
    if managed:
        expected |= {(check, account, "global", account_trails(account))
                     for check in ("aws_cloudtrail_multi_region_logging", "aws_cloudtrail_s3_data_events")}
    return expected


@dataclass(frozen=True)
class Organisation:
    members: tuple[str, str]
    seeds: tuple[Seeded, ...]
    unseeded: frozenset[Fail]  # every FAIL expected outside the seeds


@pytest.fixture
def organisation(seed_client: Callable[..., Any], aws_endpoint: str) -> Organisation:
    org = seed_client("organizations")
    org.create_organization(FeatureSet="ALL")
    alpha, beta = (
        org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]["AccountId"]
        for name in ("alpha", "beta")
    )
    seeds: list[Seeded] = []
    unseeded: set[Fail] = set()
    for account, home, trail in ((alpha, US, True), (beta, EU, False)):
        clients = account_clients(seed_client, aws_endpoint, account)
        seeds += seed_member(clients, account, home, trail=trail)
        unseeded |= unseeded_failures(clients, account, managed=False)
    unseeded |= unseeded_failures(seed_client, MOTO_ACCOUNT, managed=True)
    return Organisation((alpha, beta), tuple(seeds), frozenset(unseeded))


def test_an_organisation_scan_reports_every_unsafe_resource_under_its_account_region_and_control(
    aws_endpoint: str, organisation: Organisation, tmp_path: Path
) -> None:
    checks = selected_checks()
    out = tmp_path / "org.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--org", "--org-role", "SkyscanAudit",
                       "--regions", ",".join(REGIONS), "--framework", "-".join(FRAMEWORK),
                       "--checks", ",".join(c.spec.id for c in checks), "-o", f"json={out}")
    # The collectors still read what the left-out checks would judge (a record is read
    # whole), so the emulator's two gaps remain collection errors and the scan is
    # incomplete (exit 3); no selected check reads those fields, so none gives ERROR.
    assert proc.returncode == 3, proc.stderr
    doc = load_report(out)
    alpha, beta = organisation.members
    functions = {s.resource_id for s in organisation.seeds if ":function:" in s.resource_id}
    assert sorted((e["operation"], e["account"], e["resource_id"]) for e in doc["errors"]) == sorted(
        [("GetCredentialReport", a, f"arn:aws:iam::{a}:root") for a in (MOTO_ACCOUNT, alpha, beta)]
        + [("ListFunctionUrlConfigs", fn.split(":")[4], fn) for fn in functions])
    assert doc["scan"]["complete"] is False
    assert sorted(doc["scan"]["checks"]) == sorted(c.spec.id for c in checks)
    findings = doc["findings"]
    assert {f["status"] for f in findings} == {"PASS", "FAIL"}

    # (3) every account of the organisation is a scope, each with both regions
    assert sorted((s["account"], tuple(sorted(s["regions"]))) for s in doc["scan"]["scopes"]) == sorted(
        (account, tuple(sorted(REGIONS))) for account in (MOTO_ACCOUNT, alpha, beta))

    # (1) the FAILs on seeded resources are exactly the expected ones, account and region included
    seeded_ids = {(s.account, s.resource_id) for s in organisation.seeds}
    assert len(seeded_ids) == len(organisation.seeds)  # no resource seeded twice
    fails: set[Fail] = {(f["check_id"], f["account"], f["region"], f["resource_id"])
                        for f in findings if f["status"] == "FAIL"}
    expected: set[Fail] = {(check, s.account, s.region, s.resource_id)
                           for s in organisation.seeds for check in s.fails}
    on_seeds = {fail for fail in fails if (fail[1], fail[3]) in seeded_ids}
    assert (sorted(on_seeds - expected), sorted(expected - on_seeds)) == ([], [])

    # (2) a safe resource has findings, all PASS, and under its own account and region
    for seed in organisation.seeds:
        if seed.fails:
            continue
        mine = [f for f in findings if (f["account"], f["resource_id"]) == (seed.account, seed.resource_id)]
        assert mine, seed
        assert {(f["status"], f["region"]) for f in mine} == {("PASS", seed.region)}, (seed, mine)

    # everything else that failed is a platform default or an unseeded account setting
    others = fails - on_seeds
    assert (sorted(others - organisation.unseeded), sorted(organisation.unseeded - others)) == ([], [])

    # (4) the framework summary: FAIL exactly where a check of the control failed (on a
    # seeded resource or a default), PASS on the other referenced controls, and
    # NOT_EVALUATED where no selected check points
    by_id = {c.spec.id: c for c in checks}
    failed_checks = {fail[0] for fail in expected | organisation.unseeded}
    expected_fail = set().union(*(controls_of(by_id[c]) for c in failed_checks))
    referenced = set().union(*(controls_of(c) for c in checks))
    (summary,) = [s for s in doc["compliance"] if (s["framework"], s["version"]) == FRAMEWORK]
    status = {c["id"]: c["status"] for c in summary["controls"]}
    assert {c for c, s in status.items() if s == "FAIL"} == expected_fail
    assert {c for c, s in status.items() if s == "PASS"} == referenced - expected_fail
    assert {c for c, s in status.items() if s == "NOT_EVALUATED"} == set(status) - referenced
    assert summary["counts"]["ERROR"] == 0


def test_concurrency_changes_nothing_the_scan_decides(
    aws_endpoint: str, organisation: Organisation, tmp_path: Path
) -> None:
    """Every (account, collector) pair and every per-resource read runs at once with the
    default pool; one worker runs them one after another. The findings (verdicts,
    fingerprints, the details that decided them) and the errors must be the same."""
    checks = ",".join(c.spec.id for c in selected_checks())
    docs = []
    for workers in ("1", "16"):
        out = tmp_path / f"workers-{workers}.json"
        proc = run_skyscan(aws_endpoint, "scan", "aws", "--org", "--org-role", "SkyscanAudit", "--regions",
                           ",".join(REGIONS), "--checks", checks, "--max-workers", workers, "-o", f"json={out}")
        assert proc.returncode == 3, proc.stderr  # the emulator's gaps, as above
        docs.append(load_report(out))

    def decided(doc: dict[str, Any]) -> list[tuple[Any, ...]]:  # "as_of" is the scan's own clock
        return sorted((f["fingerprint"], f["check_id"], f["status"], f["severity"], f["account"], f["region"],
                       f["resource_id"], repr(sorted((k, v) for k, v in f["details"].items() if k != "as_of")))
                      for f in doc["findings"])

    def errors(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted(tuple(sorted(e.items())) for e in doc["errors"])

    one, many = docs
    assert len(decided(one)) > 100
    assert decided(one) == decided(many)
    assert errors(one) == errors(many)
    assert one["scan"]["scopes"] == many["scan"]["scopes"]
    # the same reads were made, however they were scheduled
    assert one["scan"]["stats"]["by_service"] == many["scan"]["stats"]["by_service"]
    assert (one["scan"]["stats"]["max_workers"], many["scan"]["stats"]["max_workers"]) == (1, 16)
