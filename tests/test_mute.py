"""Mute files: the parser (every error names its line), matching, expiry, and the
``--mute`` flag end to end against the S3 emulator."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from scanner import mute
from scanner.model import CheckSpec, Finding, Severity, Status
from scanner.mute import MuteFile, MuteFileError
from scanner.resources.aws import S3Bucket
from scanner.snapshot import Scope, Snapshot
from tests.reporting import load_report
from tests.test_scan_aws import policy, run_skyscan

SOURCE = "mutes.yaml"
ACCOUNT = "111122223333"
S3 = ("--services", "s3")  # end-to-end scans read only S3: other services have their own tests
SPEC = CheckSpec(id="aws_s3_bucket_versioning", title="t", severity=Severity.MEDIUM, provider="aws",
                 service="s3", requires=("aws.s3.bucket",), remediation="r")
OTHER = CheckSpec(id="aws_s3_bucket_acl_public", title="t", severity=Severity.CRITICAL, provider="aws",
                  service="s3", requires=("aws.s3.bucket",), remediation="r")


def parse(text: str) -> tuple[mute.MuteRule, ...]:
    return mute.parse(textwrap.dedent(text), SOURCE)


def bucket(name: str, region: str = "us-east-1", account: str = ACCOUNT, **tags: str) -> S3Bucket:
    return S3Bucket(account=account, region=region, resource_id=f"arn:aws:s3:::{name}", name=name, tags=tags)


def apply(text: str, findings: list[Finding], records: Sequence[S3Bucket] = (), today: date = date(2025, 6, 1)
          ) -> tuple[tuple[Finding, ...], mute.MuteSummary]:
    snap = Snapshot([Scope("aws", ACCOUNT)], records)
    return mute.apply(MuteFile(SOURCE, parse(text)), findings, snap, today)


# parsing ---------------------------------------------------------------------------------

def test_a_complete_entry_parses_with_index_and_line() -> None:
    rules = parse("""\
        # accepted risks
        mutes:
          - check: aws_s3_*
            account: 012345678901
            region: eu-*
            resource: "arn:aws:s3:::scratch-*"
            tags: {env: sandbox, team: "data*"}
            reason: throwaway buckets
            expires: 2025-12-31
          - resource: "*logs*"
            reason: log buckets are private by design
        """)
    first, second = rules
    assert (first.index, first.line, second.index, second.line) == (0, 3, 1, 10)
    assert first.account == "012345678901"  # read as text: the leading zero survives
    assert (first.check, first.region, first.resource) == ("aws_s3_*", "eu-*", "arn:aws:s3:::scratch-*")
    assert first.tags == (("env", "sandbox"), ("team", "data*"))
    assert first.expires == date(2025, 12, 31) and second.expires is None
    assert second.reason == "log buckets are private by design"


def test_an_empty_list_and_a_commented_out_list_mute_nothing() -> None:
    assert parse("mutes: []\n") == ()
    assert parse("mutes:\n#  - check: x\n#    reason: y\n") == ()


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("mutes:\n  - check: [unclosed\n    reason: x\n", 3, "not valid YAML"),
    ("mutes:\n  - check: a\n\treason: tab\n", 3, "not valid YAML"),
    ("mutes: []\n---\nmutes: []\n", 2, "not valid YAML"),
    ("mutes:\n  - check: a\n    reason: \x07\n", 3, "U+0007 is not allowed"),
    ("", 1, "empty"),
    ("- check: a\n  reason: b\n", 1, "top-level 'mutes:'"),
    ("muted:\n  - check: a\n", 1, "unknown top-level key 'muted'"),
    ("other: 1\n", 1, "unknown top-level key"),
    ("mutes:\n  check: a\n  reason: b\n", 2, "expected a list"),
    ("mutes:\n  - check: a\n    reason: b\n  - just a string\n", 4, "mutes[1]: expected a mapping"),
    ("mutes:\n  - check: a\n    reason: b\n  - - nested\n", 4, "mutes[1]: expected a mapping"),
    ("mutes:\n  - check: a\n\n    resourse: x\n    reason: b\n", 4, "unknown key 'resourse'"),
    ("mutes:\n  - check: a\n    tags:\n      env: x\n    reason: b\n    expire: 2025-01-01\n", 6,
     "unknown key 'expire'"),
    ("mutes:\n  - check: a\n    reason: b\n  - check: c\n", 4, "mutes[1]: missing reason"),
    ("mutes:\n  - check: a\n    reason: ''\n", 3, "mutes[0].reason: expected a non-empty string"),
    ("mutes:\n  - check: a\n    reason: '   '\n", 3, "mutes[0].reason"),
    ("mutes:\n  - check: a\n    reason:\n", 3, "mutes[0].reason"),
    ("mutes:\n  - check: a\n    reason: [a, b]\n", 3, "mutes[0].reason"),
    ("mutes:\n  - reason: everything\n", 2, "needs at least one of check, account"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: 2025-13-01\n", 4, "expected a date YYYY-MM-DD"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: 2025-02-30\n", 4, "found '2025-02-30'"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: 2025-1-1\n", 4, "expected a date"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: tomorrow\n", 4, "found 'tomorrow'"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: 2025-01-01T10:00:00\n", 4, "expected a date"),
    ("mutes:\n  - check: a\n    reason: b\n    expires: [2025-01-01]\n", 4, "expected a date"),
    ("mutes:\n  - check: a\n    check: b\n    reason: c\n", 3, "key 'check' is repeated"),
    ("mutes:\n  - check: ''\n    reason: c\n", 2, "mutes[0].check"),
    ("mutes:\n  - account: ~\n    reason: c\n", 2, "mutes[0].account"),
    ("mutes:\n  - tags: env\n    reason: c\n", 2, "mutes[0].tags: expected a mapping"),
    ("mutes:\n  - tags: {}\n    reason: c\n", 2, "mutes[0].tags"),
    ("mutes:\n  - reason: c\n    tags:\n      env:\n", 4, "mutes[0].tags.env"),
    ("mutes:\n  - reason: c\n    tags:\n      env: [a]\n", 4, "mutes[0].tags.env"),
    ("mutes:\n  - reason: c\n    ? [a, b]\n    : x\n", 3, "keys must be plain text"),
])
def test_every_error_names_the_file_and_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(MuteFileError) as info:
        mute.parse(text, SOURCE)
    message = str(info.value)
    assert message.startswith(f"{SOURCE}:{line}: "), message
    assert fragment in message, message
    assert "\n" not in message


def test_an_unreadable_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(MuteFileError, match="no such file"):
        mute.load(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes(b"mutes: []\n# caf\xe9\n")
    with pytest.raises(MuteFileError, match="cannot read"):
        mute.load(tmp_path / "latin1.yaml")


# matching ----------------------------------------------------------------------------

def test_globs_on_check_account_region_and_resource_all_must_match() -> None:
    a, b, c = bucket("scratch-1"), bucket("scratch-2", region="eu-west-1"), bucket("prod-1")
    findings = [SPEC.fail(a, "x"), SPEC.fail(b, "x"), SPEC.fail(c, "x"), OTHER.fail(a, "x")]
    muted, summary = apply("""\
        mutes:
          - check: "*versioning"
            account: "1111*"
            region: us-*
            resource: "arn:aws:s3:::scratch-*"
            reason: scratch
        """, findings)
    assert [(f.check_id, f.resource_id, f.status) for f in muted] == [
        ("aws_s3_bucket_versioning", "arn:aws:s3:::scratch-1", Status.MUTED),
        ("aws_s3_bucket_versioning", "arn:aws:s3:::scratch-2", Status.FAIL),  # other region
        ("aws_s3_bucket_versioning", "arn:aws:s3:::prod-1", Status.FAIL),  # other resource
        ("aws_s3_bucket_acl_public", "arn:aws:s3:::scratch-1", Status.FAIL),  # other check
    ]
    assert summary.applied == 1 and summary.stale == () and summary.expired == ()


def test_globs_are_case_sensitive() -> None:
    (finding,), _ = apply("mutes:\n  - resource: '*SCRATCH*'\n    reason: r\n", [SPEC.fail(bucket("scratch"), "x")])
    assert finding.status is Status.FAIL


def test_tags_come_from_the_snapshot_record_and_every_tag_must_match() -> None:
    sandbox = bucket("a", env="sandbox-7", team="data")
    other_team = bucket("b", env="sandbox-1", team="web")
    untagged = bucket("c")
    findings = [SPEC.fail(r, "x") for r in (sandbox, other_team, untagged)]
    # a finding whose resource is not in the snapshot (a failed listing) has no tags
    orphan = SPEC.fail(bucket("gone"), "x")
    muted, summary = apply("""\
        mutes:
          - tags: {env: "sandbox-*", team: data}
            reason: sandbox data team
        """, [*findings, orphan], records=[sandbox, other_team, untagged])
    assert [f.status for f in muted] == [Status.MUTED, Status.FAIL, Status.FAIL, Status.FAIL]
    assert muted[0].mute_reason == "sandbox data team"
    assert summary.applied == 1


def test_a_muted_finding_keeps_its_data_and_pass_is_never_muted() -> None:
    failing = SPEC.fail(bucket("a"), "versioning is suspended", key="k", status="Suspended")
    error = SPEC.error(bucket("b"), "could not read")
    passing = SPEC.ok(bucket("c"))
    muted, summary = apply("mutes:\n  - check: '*'\n    reason: accepted\n", [failing, error, passing])
    assert [f.status for f in muted] == [Status.MUTED, Status.MUTED, Status.PASS]
    assert muted[2].mute_reason is None
    kept = muted[0]
    assert (kept.fingerprint, kept.severity, kept.reason, dict(kept.details)) == (
        failing.fingerprint, Severity.MEDIUM, "versioning is suspended", {"status": "Suspended"})
    assert summary.applied == 2


def test_the_first_matching_entry_gives_the_reason_and_later_matches_are_not_stale() -> None:
    (finding,), summary = apply("""\
        mutes:
          - check: aws_s3_bucket_versioning
            reason: first
          - resource: "*"
            reason: second
          - resource: "arn:aws:s3:::nothing-*"
            reason: third
        """, [SPEC.fail(bucket("a"), "x")])
    assert finding.mute_reason == "first"
    assert [r.reason for r in summary.stale] == ["third"]


def test_an_entry_matching_only_passing_findings_is_stale() -> None:
    _, summary = apply("mutes:\n  - resource: '*fixed*'\n    reason: was public\n", [SPEC.ok(bucket("fixed"))])
    assert [(r.index, r.line, r.reason) for r in summary.stale] == [(0, 2, "was public")]


@pytest.mark.parametrize(("expires", "muted"), [
    (date(2025, 6, 1), True),  # today: still mutes, through the end of the day
    (date(2025, 6, 2), True),
    (date(2025, 5, 31), False),  # yesterday: expired
])
def test_expiry_boundary(expires: date, muted: bool) -> None:
    (finding,), summary = apply(f"mutes:\n  - check: '*'\n    reason: r\n    expires: {expires}\n",
                                [SPEC.fail(bucket("a"), "x")], today=date(2025, 6, 1))
    assert (finding.status is Status.MUTED) is muted
    assert [r.expires for r in summary.expired] == ([] if muted else [expires])
    assert summary.stale == ()  # an expired entry is reported as expired, not stale


# end to end --------------------------------------------------------------------------

def utc_today() -> date:
    return datetime.now(UTC).date()


def test_mute_file_end_to_end(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    for name in ("open-acl", "open-policy", "sandbox-data"):
        s3_seed.create_bucket(Bucket=name)
    s3_seed.put_bucket_acl(Bucket="open-acl", ACL="public-read")
    s3_seed.put_bucket_policy(Bucket="open-policy", Policy=policy("open-policy"))
    s3_seed.put_bucket_tagging(Bucket="sandbox-data", Tagging={"TagSet": [{"Key": "env", "Value": "sandbox"}]})
    yesterday = utc_today() - timedelta(days=1)
    mutes = tmp_path / "mutes.yaml"
    mutes.write_text(textwrap.dedent(f"""\
        mutes:
          - check: aws_s3_bucket_acl_public
            resource: "arn:aws:s3:::open-*"
            reason: partner download bucket, approved
            expires: {utc_today()}
          - check: aws_s3_bucket_policy_public
            reason: waiver ran out
            expires: {yesterday}
          - resource: "arn:aws:s3:::decommissioned-*"
            reason: old buckets
          - check: aws_s3_bucket_versioning
            tags: {{env: sandbox}}
            reason: sandbox data is disposable
        """))
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", *S3, "--mute", str(mutes), "--fail-on", "critical",
                       "-o", "table", "-o", f"json={out}")
    assert proc.returncode == 1, proc.stderr  # the policy finding is no longer muted
    doc = load_report(out)
    by_key = {(f["check_id"], f["resource_id"].rsplit(":", 1)[-1]): f for f in doc["findings"]}

    muted = by_key[("aws_s3_bucket_acl_public", "open-acl")]
    assert (muted["status"], muted["severity"], muted["mute_reason"]) == (
        "MUTED", "critical", "partner download bucket, approved")
    assert muted["details"]  # the evidence stays with the muted finding
    assert by_key[("aws_s3_bucket_acl_public", "open-policy")]["status"] == "PASS"  # PASS is never muted
    expired_target = by_key[("aws_s3_bucket_policy_public", "open-policy")]
    assert expired_target["status"] == "FAIL" and "mute_reason" not in expired_target
    assert by_key[("aws_s3_bucket_versioning", "sandbox-data")]["status"] == "MUTED"
    assert by_key[("aws_s3_bucket_versioning", "open-acl")]["status"] == "FAIL"

    assert doc["mutes"] == {
        "file": str(mutes),
        "applied": 2,
        "expired": [{"index": 1, "line": 6, "reason": "waiver ran out", "expires": yesterday.isoformat()}],
        "stale": [{"index": 2, "line": 9, "reason": "old buckets"}],
    }
    assert doc["summary"]["by_status"]["MUTED"] == 2
    footer = proc.stdout.splitlines()
    assert any("mutes[1]" in line and "line 6" in line and str(yesterday) in line for line in footer)
    assert any("mutes[2]" in line and "line 9" in line and "Stale" in line for line in footer)
    rows = [line for line in footer if line.startswith("CRITICAL")]
    assert rows and all("open-acl" not in line for line in rows)  # muted rows leave the default table


def test_a_bad_mute_file_stops_before_scanning_and_writes_nothing(aws_endpoint: str, tmp_path: Path) -> None:
    mutes = tmp_path / "mutes.yaml"
    mutes.write_text("mutes:\n  - check: aws_s3_*\n    reason: ok\n  - check: x\n    expires: 2025-01-01\n")
    out = tmp_path / "r.json"
    proc = run_skyscan(aws_endpoint, "scan", "aws", *S3, "--mute", str(mutes), "-o", f"json={out}")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and f"{mutes}:4:" in lines[0] and "missing reason" in lines[0], lines
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [mutes]  # not even a temporary file
