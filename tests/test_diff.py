"""``skyscan diff``: classification by fingerprint, the three renderings, exit codes,
bad input, and a real run-to-run change on the S3 emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner import baseline, diff, exitcodes
from scanner.model import Severity, fingerprint
from tests.reporting import load_report
from tests.test_cli import assert_one_line_error, skyscan
from tests.test_scan_aws import run_skyscan, seed_mixed_account

ACCOUNT = "111122223333"
S3 = ("--services", "s3")  # end-to-end scans read only S3: other services have their own tests
CHECK = "aws_s3_bucket_versioning"


def finding(name: str, status: str, severity: str = "medium", reason: str = "r") -> dict[str, Any]:
    arn = f"arn:aws:s3:::{name}"
    return {"check_id": CHECK, "title": "S3 bucket has versioning enabled", "status": status, "severity": severity,
            "provider": "aws", "account": ACCOUNT, "region": "us-east-1", "resource_id": arn,
            "resource_type": "aws.s3.bucket", "reason": reason, "details": {}, "remediation": "x", "compliance": [],
            "fingerprint": fingerprint(CHECK, "aws", ACCOUNT, arn, None)}


def report(*findings: dict[str, Any], finished: str = "2025-06-01T00:00:00Z") -> dict[str, Any]:
    return {"schema_version": "1.0", "scan": {"finished_at": finished}, "findings": list(findings)}


OLD = report(
    finding("still", "FAIL"), finding("fixed", "FAIL"), finding("deleted", "FAIL"),
    finding("worse", "FAIL", "low"), finding("was-pass", "PASS"), finding("was-error", "ERROR"),
    finding("was-muted", "MUTED"), finding("unreadable", "FAIL"), finding("steady", "PASS"),
    finding("muted-now", "FAIL"),
)
NEW = report(
    finding("still", "FAIL"), finding("fixed", "PASS"),
    finding("worse", "FAIL", "critical"), finding("was-pass", "FAIL"), finding("was-error", "FAIL", "high"),
    finding("was-muted", "FAIL"), finding("unreadable", "ERROR"), finding("steady", "PASS"),
    finding("muted-now", "MUTED"), finding("brand-new", "FAIL", "low"), finding("accepted-on-arrival", "MUTED"),
    finished="2025-06-02T00:00:00Z",
)


def compare(old: dict[str, Any] = OLD, new: dict[str, Any] = NEW) -> diff.Diff:
    return diff.compare(baseline.parse_report(old, "old.json", full=True),
                        baseline.parse_report(new, "new.json", full=True))


def names(changes: tuple[diff.Change, ...]) -> list[str]:
    return [c.current.resource_id.rsplit(":", 1)[-1] for c in changes]


def test_classification() -> None:
    d = compare()
    assert names(d.new_findings) == ["was-error", "was-pass", "brand-new"]  # severity first
    assert names(d.resolved) == ["fixed"]
    assert names(d.gone) == ["deleted"]
    assert names(d.undecided) == ["unreadable"]
    assert sorted(names(d.still_failing)) == ["muted-now", "still", "was-muted", "worse"]
    assert names(d.severity_changed) == ["worse"]


def test_exit_code_counts_new_findings_at_or_above_fail_on() -> None:
    d = compare()
    assert exitcodes.for_diff(d, None) == exitcodes.OK
    assert exitcodes.for_diff(d, Severity.CRITICAL) == exitcodes.OK  # "worse" is critical, but not new
    assert exitcodes.for_diff(d, Severity.HIGH) == exitcodes.FINDINGS
    assert exitcodes.for_diff(compare(OLD, OLD), Severity.INFO) == exitcodes.OK


def test_json_document() -> None:
    doc = json.loads(diff.render_json(compare()))
    assert doc["schema_version"] == "1.0"
    assert doc["old"] == {"file": "old.json", "finished_at": "2025-06-01T00:00:00Z"}
    assert doc["new"]["finished_at"] == "2025-06-02T00:00:00Z"
    assert [(e["resource_id"], e["old_status"], e["new_status"], e["severity"]) for e in doc["new_findings"]] == [
        ("arn:aws:s3:::was-error", "ERROR", "FAIL", "high"),
        ("arn:aws:s3:::was-pass", "PASS", "FAIL", "medium"),
        ("arn:aws:s3:::brand-new", None, "FAIL", "low"),
    ]
    assert [(e["resource_id"], e["new_status"]) for e in doc["gone"]] == [("arn:aws:s3:::deleted", None)]
    assert doc["still_failing"] == 4
    (changed,) = doc["severity_changed"]
    assert (changed["old_severity"], changed["new_severity"], changed["fingerprint"]) == (
        "low", "critical", finding("worse", "FAIL")["fingerprint"])


def test_table_and_markdown_show_each_section() -> None:
    d = compare()
    table = diff.render_table(d)
    assert "3 new, 1 resolved, 1 gone, 1 undecided, 4 still failing, 1 severity changed" in table
    assert "LOW -> CRITICAL" in table
    markdown = diff.render_markdown(d)
    assert "### New findings (3)" in markdown and "### Gone" in markdown
    assert "| 3 | 1 | 1 | 1 | 4 | 1 |" in markdown


def test_markdown_cells_cannot_break_the_table_or_inject_markup() -> None:
    hostile = "a|b <img src=x> *bold* [link](http://x) `code` \n# heading\\"
    old = report(finding("x", "PASS"))
    new = report(finding("x", "FAIL", reason=hostile))
    markdown = diff.render_markdown(compare(old, new))
    row = next(line for line in markdown.splitlines() if "arn:aws:s3:::x" in line)
    unescaped_pipes = row.replace("\\|", "").count("|")
    assert unescaped_pipes == len(diff._HEADERS) + 1
    for raw in ("<img", "*bold*", "[link]", "`code`", "\n#"):
        assert raw not in row
    assert "&lt;img" in row and "\\*bold\\*" in row


def test_diff_cli_outputs_and_bad_input(tmp_path: Path) -> None:
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(OLD))
    new.write_text(json.dumps(NEW))
    md, js = tmp_path / "d.md", tmp_path / "d.json"
    proc = skyscan("diff", str(old), str(new), "-o", "table", "-o", f"markdown={md}", "-o", f"json={js}",
                   "--fail-on", "high")
    assert proc.returncode == 1, proc.stderr
    assert "3 new" in proc.stdout
    assert md.read_text().startswith("## skyscan diff")
    assert len(json.loads(js.read_text())["new_findings"]) == 3
    assert skyscan("diff", str(old), str(new), "--fail-on", "critical").returncode == 0
    assert skyscan("diff", str(old), str(new), "-o", "json").returncode == 0

    assert_one_line_error(skyscan("diff", str(old), str(tmp_path / "missing.json")), "missing.json", "no such file")
    assert_one_line_error(skyscan("diff", str(old), str(new), "-o", "sarif"), "sarif", "table, json, markdown")
    assert_one_line_error(skyscan("diff", str(old), str(new), "-o", "json", "-o", "table"), "standard output")
    assert_one_line_error(skyscan("diff", str(old), str(new), "-o", f"json={tmp_path}/no/dir/x.json"), "no/dir")
    no_severity = report({k: v for k, v in finding("x", "FAIL").items() if k != "severity"})
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(no_severity))
    assert_one_line_error(skyscan("diff", str(bad), str(new), "-o", f"json={tmp_path}/out.json"),
                          "bad.json", "findings[0].severity")
    assert not (tmp_path / "out.json").exists()


def test_diff_of_two_real_scans(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    old, new, later = tmp_path / "old.json", tmp_path / "new.json", tmp_path / "later.json"
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3, "-o", f"json={old}").returncode == 0
    s3_seed.create_bucket(Bucket="fresh-leak")
    s3_seed.put_bucket_acl(Bucket="fresh-leak", ACL="public-read")
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3, "-o", f"json={new}").returncode == 0

    proc = run_skyscan(aws_endpoint, "diff", str(old), str(new), "-o", "json", "--fail-on", "critical")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    fresh = {f["fingerprint"] for f in load_report(new)["findings"]
             if f["resource_id"] == "arn:aws:s3:::fresh-leak" and f["status"] == "FAIL"}
    assert {e["fingerprint"] for e in doc["new_findings"]} == fresh
    assert {e["resource_id"] for e in doc["new_findings"]} == {"arn:aws:s3:::fresh-leak"}
    assert ("aws_s3_bucket_acl_public", "critical") in {(e["check_id"], e["severity"]) for e in doc["new_findings"]}
    assert doc["resolved"] == doc["gone"] == doc["undecided"] == doc["severity_changed"] == []

    # one exposed bucket fixed, one deleted: resolved and gone stay apart
    s3_seed.put_bucket_acl(Bucket="open-acl", ACL="private")
    s3_seed.delete_bucket_policy(Bucket="open-policy")
    s3_seed.delete_bucket(Bucket="open-policy")
    assert run_skyscan(aws_endpoint, "scan", "aws", *S3, "-o", f"json={later}").returncode == 0
    doc = json.loads(run_skyscan(aws_endpoint, "diff", str(new), str(later), "-o", "json").stdout)
    assert [(e["check_id"], e["resource_id"]) for e in doc["resolved"]] == [
        ("aws_s3_bucket_acl_public", "arn:aws:s3:::open-acl")]
    assert {e["resource_id"] for e in doc["gone"]} == {"arn:aws:s3:::open-policy"}
    assert ("aws_s3_bucket_policy_public", "arn:aws:s3:::open-policy") in {
        (e["check_id"], e["resource_id"]) for e in doc["gone"]}
    assert doc["new_findings"] == []
