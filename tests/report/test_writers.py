"""The CI report writers (SARIF, JUnit, CSV, Markdown), read back by independent parsers:
jsonschema with the official SARIF 2.1.0 schema, junitparser, the csv module and
markdown-it (GFM-like: tables, raw HTML and autolinks on, as GitHub renders them)."""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt

from scanner import atomic, registry, runner, snapshot
from scanner.model import Finding, Status
from scanner.report import FORMATS, csv_report, junit, markdown, sarif
from scanner.report.options import RenderOptions
from scanner.resources.aws import (
    PublicAccessBlock,
    S3AccountSettings,
    S3Acl,
    S3Bucket,
    S3BucketPolicy,
    S3Encryption,
    S3Grant,
    S3Logging,
    S3Versioning,
)
from scanner.runner import ScanResult
from scanner.snapshot import CollectionError, Scope, Snapshot
from tests.reporting import load_report, sarif_validator

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT = "111122223333"
TYPES = ("aws.s3.bucket", "aws.s3.account")
CHECK_IDS = ("aws_s3_bucket_acl_public", "aws_s3_bucket_default_encryption", "aws_s3_bucket_mfa_delete",
             "aws_s3_bucket_versioning")
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
# a name as hostile as a snapshot (or a plugin's cloud) can carry
HOSTILE = "evil|name\n<script>alert(1)</script>[x](http://evil.example)`*_\x1b\x00"
MUTE_REASON = "accepted until the Q3 migration"
OPTIONS = RenderOptions()


def bucket(name: str, **fields: Any) -> S3Bucket:
    settled: dict[str, Any] = {
        "acl": S3Acl("owner", ()),
        "policy": S3BucketPolicy(None),
        "public_access_block": PublicAccessBlock(configured=False),
        "encryption": S3Encryption("AES256"),
        "versioning": S3Versioning("Enabled", mfa_delete=True),
        "logging": S3Logging("logs"),
        "object_ownership": "ObjectWriter",
    }
    settled.update(fields)
    return S3Bucket(account=ACCOUNT, region="us-east-1", resource_id=f"arn:aws:s3:::{name}", name=name, **settled)


def account_settings() -> S3AccountSettings:
    return S3AccountSettings(account=ACCOUNT, region="us-east-1", resource_id=f"arn:aws:s3::{ACCOUNT}:account",
                             name=ACCOUNT, public_access_block=PublicAccessBlock(configured=False))


def records() -> list[Any]:
    public_acl = S3Acl("owner", (S3Grant("Group", ALL_USERS, "READ"),))
    return [
        bucket("public", acl=public_acl),  # CRITICAL FAIL
        bucket("latent", acl=public_acl,  # LOW FAIL: IgnorePublicAcls neutralises the grant
               public_access_block=PublicAccessBlock(ignore_public_acls=True)),
        bucket("unversioned", versioning=S3Versioning("Suspended")),  # MEDIUM FAIL, muted below
        bucket(HOSTILE, versioning=S3Versioning("Suspended"), encryption=None),  # FAIL + ERROR
        bucket("fine"),
        account_settings(),
    ]


def checks(*ids: str) -> list[registry.Check]:
    reg = registry.load()
    found = [reg.get(i) for i in ids or CHECK_IDS]
    assert all(found)
    return [c for c in found if c is not None]


def find(result: ScanResult, check_id: str, name: str) -> Finding:
    (hit,) = [f for f in result.findings if f.check_id == check_id and f.resource_id == f"arn:aws:s3:::{name}"]
    return hit


@pytest.fixture(scope="module")
def result() -> ScanResult:
    """Every status: FAIL (critical, medium, low), ERROR, MUTED, PASS; one 'new' finding;
    one collection error."""
    unread = CollectionError("aws", ACCOUNT, "us-east-1", "s3", "GetBucketEncryption", "AccessDenied", "denied",
                             "aws.s3.bucket", f"arn:aws:s3:::{HOSTILE}")
    snap = Snapshot([Scope("aws", ACCOUNT, ("us-east-1",))], records(), [unread], collected=TYPES)
    scanned = runner.scan(snap, checks())
    muted = find(scanned, "aws_s3_bucket_versioning", "unversioned")
    new = find(scanned, "aws_s3_bucket_acl_public", "public")
    findings = [
        dataclasses.replace(f, status=Status.MUTED, mute_reason=MUTE_REASON) if f is muted
        else dataclasses.replace(f, baseline="new") if f is new
        else dataclasses.replace(f, baseline="existing") if f.status is Status.FAIL
        else f
        for f in scanned.findings
    ]
    return dataclasses.replace(scanned, findings=tuple(sorted(findings, key=Finding.sort_key)))


@pytest.fixture(scope="module")
def unlisted() -> ScanResult:
    """The bucket listing itself failed: one scope-level ERROR, nothing else."""
    denied = CollectionError("aws", ACCOUNT, "us-east-1", "s3", "ListBuckets", "AccessDenied", "denied",
                             "aws.s3.bucket", None)
    snap = Snapshot([Scope("aws", ACCOUNT, ("us-east-1",))], [account_settings()], [denied], collected=TYPES)
    return runner.scan(snap, checks("aws_s3_bucket_versioning"))


@pytest.fixture(scope="module")
def clean_result() -> ScanResult:
    snap = Snapshot([Scope("aws", ACCOUNT, ("us-east-1",))], [bucket("fine"), account_settings()], [],
                    collected=TYPES)
    return runner.scan(snap, checks())


def test_every_format_is_registered() -> None:
    assert {"sarif", "junit", "csv", "markdown"} <= set(FORMATS)


# SARIF ------------------------------------------------------------------------------

def sarif_doc(result: ScanResult) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(sarif.render(result, OPTIONS))
    sarif_validator().validate(doc)
    return doc


def test_sarif_validates_against_the_official_schema(result: ScanResult, unlisted: ScanResult,
                                                     clean_result: ScanResult) -> None:
    for scanned in (result, unlisted, clean_result):
        doc = sarif_doc(scanned)
        assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1


def test_sarif_schema_check_is_live(result: ScanResult) -> None:
    doc = sarif_doc(result)
    broken = copy.deepcopy(doc)
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b\\c"
    assert not sarif_validator().is_valid(broken)
    broken = copy.deepcopy(doc)
    broken["runs"][0]["invocations"][0]["startTimeUtc"] = "yesterday"
    assert not sarif_validator().is_valid(broken)
    broken = copy.deepcopy(doc)
    broken["runs"][0]["results"][0]["level"] = "fatal"
    assert not sarif_validator().is_valid(broken)
    assert not sarif_validator().is_valid({"version": "2.1.0"})
    assert not sarif_validator().is_valid({**doc, "extra": 1})


def test_sarif_rules_describe_every_check_that_ran(result: ScanResult) -> None:
    driver = sarif_doc(result)["runs"][0]["tool"]["driver"]
    assert driver["name"] == "skyscan" and driver["version"]
    rules = {r["id"]: r for r in driver["rules"]}
    assert sorted(rules) == sorted(CHECK_IDS)
    acl = rules["aws_s3_bucket_acl_public"]
    spec = checks("aws_s3_bucket_acl_public")[0].spec
    assert acl["shortDescription"]["text"] == spec.title
    assert acl["fullDescription"]["text"] == spec.description
    assert acl["helpUri"] == spec.references[0]
    assert spec.remediation in acl["help"]["text"] and spec.remediation in acl["help"]["markdown"]
    assert all(ref in acl["help"]["markdown"] for ref in spec.references)
    assert acl["properties"]["security-severity"] == "9.5"
    assert acl["properties"]["precision"] == "high"
    assert acl["properties"]["tags"][:2] == ["security", "public-access"]
    assert acl["defaultConfiguration"]["level"] == "error"
    mfa = rules["aws_s3_bucket_mfa_delete"]
    assert mfa["properties"]["security-severity"] == "3.0"
    assert mfa["defaultConfiguration"]["level"] == "note"
    assert {"cis-aws-3.0.0/2.1.2", "cis-aws-4.0.1/2.1.2"} <= set(mfa["properties"]["tags"])
    assert rules["aws_s3_bucket_versioning"]["properties"]["security-severity"] == "5.5"


def test_sarif_results_are_the_failures_and_muted_findings(result: ScanResult) -> None:
    run = sarif_doc(result)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    expected = {f.fingerprint: f for f in result.findings if f.status in (Status.FAIL, Status.MUTED)}
    results = {r["partialFingerprints"]["skyscanFingerprint/v1"]: r for r in run["results"]}
    assert set(results) == set(expected) and len(run["results"]) == len(expected)
    for fingerprint, res in results.items():
        finding = expected[fingerprint]
        assert res["ruleId"] == finding.check_id == rules[res["ruleIndex"]]["id"]
        assert finding.resource_id in res["message"]["text"] and finding.reason in res["message"]["text"]
        assert res["properties"]["account"] == ACCOUNT and res["properties"]["region"] == "us-east-1"
        assert res["properties"]["resource_type"] == "aws.s3.bucket"
        assert res["properties"]["details"] == json.loads(json.dumps(finding.details))
        (location,) = res["locations"]
        assert location["logicalLocations"] == [{"fullyQualifiedName": finding.resource_id, "kind": "resource"}]


def test_sarif_levels_come_from_each_findings_own_severity(result: ScanResult) -> None:
    results = sarif_doc(result)["runs"][0]["results"]
    by_fp = {r["partialFingerprints"]["skyscanFingerprint/v1"]: r for r in results}
    public = find(result, "aws_s3_bucket_acl_public", "public")
    latent = find(result, "aws_s3_bucket_acl_public", "latent")
    hostile = find(result, "aws_s3_bucket_versioning", HOSTILE)
    assert latent.severity.value == "low"  # the same check, a lowered finding
    assert by_fp[public.fingerprint]["level"] == "error"
    assert by_fp[latent.fingerprint]["level"] == "note"
    assert by_fp[hostile.fingerprint]["level"] == "warning"


def test_sarif_location_is_a_stable_synthetic_path(result: ScanResult) -> None:
    results = sarif_doc(result)["runs"][0]["results"]
    by_fp = {r["partialFingerprints"]["skyscanFingerprint/v1"]: r for r in results}

    def uri(finding: Finding) -> str:
        return str(by_fp[finding.fingerprint]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])

    assert uri(find(result, "aws_s3_bucket_acl_public", "public")) == f"aws/{ACCOUNT}/us-east-1/aws.s3.bucket/public"
    hostile = uri(find(result, "aws_s3_bucket_versioning", HOSTILE))
    assert hostile.startswith(f"aws/{ACCOUNT}/us-east-1/aws.s3.bucket/evil%7Cname%0A%3Cscript%3E")
    assert hostile.count("/") == 4  # the name is one path segment whatever it holds


def test_sarif_muted_finding_is_an_external_suppression(result: ScanResult) -> None:
    muted = find(result, "aws_s3_bucket_versioning", "unversioned")
    (res,) = [r for r in sarif_doc(result)["runs"][0]["results"] if "suppressions" in r]
    assert res["partialFingerprints"]["skyscanFingerprint/v1"] == muted.fingerprint
    assert res["suppressions"] == [{"kind": "external", "status": "accepted", "justification": MUTE_REASON}]


def test_sarif_carries_the_baseline_state(result: ScanResult) -> None:
    results = sarif_doc(result)["runs"][0]["results"]
    by_fp = {r["partialFingerprints"]["skyscanFingerprint/v1"]: r for r in results}
    new = by_fp[find(result, "aws_s3_bucket_acl_public", "public").fingerprint]
    old = by_fp[find(result, "aws_s3_bucket_acl_public", "latent").fingerprint]
    assert (new["properties"]["baseline"], new["baselineState"]) == ("new", "new")
    assert (old["properties"]["baseline"], old["baselineState"]) == ("existing", "unchanged")


def test_sarif_errors_are_notifications_and_the_run_is_unsuccessful(result: ScanResult) -> None:
    (invocation,) = sarif_doc(result)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    errored = [f for f in result.findings if f.status is Status.ERROR]
    assert len(errored) == 1
    by_rule = [n for n in notes if "associatedRule" in n]
    assert [(n["associatedRule"]["id"], n["properties"]["fingerprint"]) for n in by_rule] == [
        ("aws_s3_bucket_default_encryption", errored[0].fingerprint)]
    assert by_rule[0]["level"] == "error" and errored[0].resource_id in by_rule[0]["message"]["text"]
    collection = [n for n in notes if "associatedRule" not in n]
    assert [(n["properties"]["operation"], n["properties"]["code"]) for n in collection] == [
        ("GetBucketEncryption", "AccessDenied")]
    # ERROR and PASS findings are not results
    fingerprints = {r["partialFingerprints"]["skyscanFingerprint/v1"] for r in sarif_doc(result)["runs"][0]["results"]}
    assert not fingerprints & {f.fingerprint for f in result.findings if f.status in (Status.ERROR, Status.PASS)}


def test_sarif_failed_listing_names_the_scope(unlisted: ScanResult) -> None:
    run = sarif_doc(unlisted)["runs"][0]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (rule_note,) = [n for n in invocation["toolExecutionNotifications"] if "associatedRule" in n]
    assert rule_note["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        f"aws:{ACCOUNT}:us-east-1:aws.s3.bucket:*")


def test_sarif_complete_scan_is_successful(clean_result: ScanResult) -> None:
    (invocation,) = sarif_doc(clean_result)["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is True and invocation["toolExecutionNotifications"] == []


def test_sarif_information_uri_comes_from_the_package_metadata(result: ScanResult,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import email.message

    declared = email.message.Message()
    declared["Project-URL"] = "Issues, https://tracker.example/skyscan/issues"
    declared["Project-URL"] = "Homepage, https://skyscan.example/docs"
    monkeypatch.setattr(sarif.metadata, "metadata", lambda name: declared)
    driver = sarif_doc(result)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://skyscan.example/docs"
    monkeypatch.setattr(sarif.metadata, "metadata", lambda name: email.message.Message())
    assert "informationUri" not in sarif_doc(result)["runs"][0]["tool"]["driver"]


# JUnit ------------------------------------------------------------------------------

def test_junit_counts_per_check_and_in_total(result: ScanResult) -> None:
    xml = JUnitXml.fromstring(junit.render(result, OPTIONS))
    suites = {s.name: s for s in xml}
    assert sorted(suites) == sorted(CHECK_IDS)
    for check_id, suite in suites.items():
        mine = [f for f in result.findings if f.check_id == check_id]
        assert suite.tests == len(mine) == len(list(suite))
        assert suite.failures == sum(f.status is Status.FAIL for f in mine)
        assert suite.errors == sum(f.status is Status.ERROR for f in mine)
        assert suite.skipped == sum(f.status is Status.MUTED for f in mine)
    assert xml.tests == len(result.findings)
    assert xml.failures == sum(f.status is Status.FAIL for f in result.findings)
    assert (xml.errors, xml.skipped) == (1, 1)


def test_junit_cases_carry_failure_error_and_skip(result: ScanResult) -> None:
    xml = JUnitXml.fromstring(junit.render(result, OPTIONS))
    cases = {(c.classname, c.name): c for suite in xml for c in suite}
    public = find(result, "aws_s3_bucket_acl_public", "public")
    (failure,) = cases[public.check_id, "arn:aws:s3:::public (us-east-1)"].result
    assert isinstance(failure, Failure)
    assert (failure.message, failure.type) == (public.reason, "critical")
    assert public.remediation in failure.text and '"exposed_via":["acl"]' in failure.text
    (skipped,) = cases["aws_s3_bucket_versioning", "arn:aws:s3:::unversioned (us-east-1)"].result
    assert isinstance(skipped, Skipped) and skipped.message == MUTE_REASON
    (errored,) = [f for f in result.findings if f.status is Status.ERROR]
    (error,) = [c for c in cases.values() if c.is_error]
    assert isinstance(error.result[0], Error) and error.classname == errored.check_id
    assert error.result[0].message == errored.reason
    assert error.name.startswith("arn:aws:s3:::evil|name") and error.name.endswith("(us-east-1)")
    assert cases["aws_s3_bucket_versioning", "arn:aws:s3:::fine (us-east-1)"].is_passed


def test_junit_survives_control_characters_in_names(result: ScanResult) -> None:
    text = junit.render(result, OPTIONS)
    assert "\x1b" not in text and "\x00" not in text
    xml = JUnitXml.fromstring(text)
    names = [c.name for suite in xml for c in suite if "evil" in c.name]
    assert names and all("\\x1b" in n and "\\x00" in n and "<script>" in n for n in names)


def test_junit_empty_suite_for_a_check_without_findings(unlisted: ScanResult) -> None:
    empty = dataclasses.replace(unlisted, findings=())
    xml = JUnitXml.fromstring(junit.render(empty, OPTIONS))
    (suite,) = list(xml)
    assert (suite.name, suite.tests, xml.tests) == ("aws_s3_bucket_versioning", 0, 0)


# CSV --------------------------------------------------------------------------------

def read_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def test_csv_has_one_row_per_finding_in_the_documented_columns(result: ScanResult) -> None:
    columns, rows = read_csv(csv_report.render(result, OPTIONS))
    assert columns == ["severity", "status", "check_id", "title", "provider", "account", "region", "resource_id",
                       "resource_type", "reason", "remediation", "compliance", "fingerprint", "baseline",
                       "mute_reason", "details"]
    assert [r["fingerprint"] for r in rows] == [f.fingerprint for f in result.findings]
    by_fp = {r["fingerprint"]: r for r in rows}
    public = by_fp[find(result, "aws_s3_bucket_acl_public", "public").fingerprint]
    assert (public["severity"], public["status"], public["baseline"]) == ("critical", "FAIL", "new")
    assert json.loads(public["details"])["exposed_via"] == ["acl"]
    muted = by_fp[find(result, "aws_s3_bucket_versioning", "unversioned").fingerprint]
    assert (muted["status"], muted["mute_reason"]) == ("MUTED", MUTE_REASON)
    mfa = by_fp[find(result, "aws_s3_bucket_mfa_delete", "unversioned").fingerprint]
    assert mfa["compliance"] == "cis-aws-3.0.0-2.1.2; cis-aws-4.0.1-2.1.2"
    hostile = by_fp[find(result, "aws_s3_bucket_versioning", HOSTILE).fingerprint]
    assert hostile["resource_id"] == f"arn:aws:s3:::{HOSTILE}"  # newlines and pipes survive quoting


def test_csv_header_without_findings(unlisted: ScanResult) -> None:
    text = csv_report.render(dataclasses.replace(unlisted, findings=()), OPTIONS)
    assert text == ",".join(csv_report.COLUMNS) + "\n"


def test_csv_defuses_spreadsheet_formulas(result: ScanResult) -> None:
    base = find(result, "aws_s3_bucket_versioning", "unversioned")
    hostile = dataclasses.replace(base, resource_id='=HYPERLINK("http://evil.example","x")', region="@SUM(1+1)",
                                  reason="+cmd|' /C calc'!A0", account="-2+3", mute_reason="\tx",
                                  details={"note": "=1"})
    _, (row,) = read_csv(csv_report.render(dataclasses.replace(result, findings=(hostile,)), OPTIONS))
    assert row["resource_id"] == "'" + hostile.resource_id
    assert row["region"] == "'@SUM(1+1)" and row["reason"] == "'+cmd|' /C calc'!A0"
    assert row["account"] == "'-2+3" and row["mute_reason"] == "'\tx"
    assert row["details"] == '{"note":"=1"}' and row["severity"] == "medium"  # harmless cells untouched
    assert [csv_report.defuse(c) for c in ("\rx", "a=b", "")] == ["'\rx", "a=b", ""]


# Markdown ---------------------------------------------------------------------------

GFM = MarkdownIt("gfm-like")  # raw HTML and autolinks on: what a hostile name would exploit


def table_rows(html: str) -> list[str]:
    body = html.split("<tbody>")[-1].split("</tbody>")[0]
    return [row for row in body.split("<tr>")[1:]]


def test_markdown_verdict_and_incomplete_warning(result: ScanResult) -> None:
    text = markdown.render(result, OPTIONS)
    first = text.splitlines()[0]
    failing = [f for f in result.findings if f.status is Status.FAIL]
    by_severity = {s: sum(f.severity.value == s for f in failing) for s in ("critical", "medium", "low")}
    assert first == (f"## skyscan: {by_severity['critical']} critical, {by_severity['medium']} medium, "
                     f"{by_severity['low']} low failing")
    assert "INCOMPLETE" in text and "1 collection errors, 1 findings could not be decided" in text


def test_markdown_clean_scan(clean_result: ScanResult) -> None:
    text = markdown.render(clean_result, OPTIONS)
    assert text.startswith("## skyscan: no failing findings") and "INCOMPLETE" not in text


def test_markdown_counts_table(result: ScanResult) -> None:
    html = GFM.render(markdown.render(result, OPTIONS))
    counts = html.split("<table>")[1]
    rows = [[cell.split(">")[1].split("<")[0] for cell in row.split("<td")[1:]] for row in table_rows(counts)]
    by = {r[0]: r[1:] for r in rows}
    expected = {st: sum(f.status.value == st and f.severity.value == "medium" for f in result.findings)
                for st in ("FAIL", "ERROR", "MUTED", "PASS")}
    assert by["medium"] == [str(v) for v in expected.values()]


def test_markdown_escapes_hostile_names(result: ScanResult) -> None:
    text = markdown.render(result, OPTIONS)
    html = GFM.render(text)
    assert "<code>aws_s3_bucket_versioning</code>" in html
    assert "<script" not in html and "<a " not in html and "<em>" not in html and "<strong>evil" not in html
    findings_table = html.split("<table>")[2]
    rows = table_rows(findings_table)
    attention = [f for f in result.findings if f.status in (Status.FAIL, Status.ERROR)]
    assert len(rows) == len(attention)
    assert all(row.count("<td") == 6 for row in rows)  # no name split or merged a row
    hostile = [row for row in rows if "evil" in row]
    expected = sum(f.resource_id == f"arn:aws:s3:::{HOSTILE}" for f in attention)
    assert len(hostile) == expected >= 2 and all("&lt;script&gt;alert(1)&lt;/script&gt;[x](http://evil.example)" in r
                                     for r in hostile)
    new_row = [row for row in rows if "arn:aws:s3:::public<" in row]
    assert len(new_row) == 1 and "<strong>new</strong>" in new_row[0]


def test_markdown_escapes_hostile_reasons_and_regions(result: ScanResult) -> None:
    base = find(result, "aws_s3_bucket_versioning", "unversioned")
    hostile = dataclasses.replace(base, status=Status.FAIL, region="eu|west\n<b>1</b>",
                                  reason=f"grant to {HOSTILE}; see www.evil.example or ![i](http://evil.example/i.png)"
                                         " ~~gone~~ $x$ **bold** & &amp;")
    html = GFM.render(markdown.render(dataclasses.replace(result, findings=(hostile,)), OPTIONS))
    (row,) = table_rows(html.split("<table>")[2])
    assert row.count("<td") == 6
    for markup in ("<script", "<a ", "<img", "<b>", "<s>", "<del>", "<strong>", "<em>", "<code>["):
        assert markup not in row, markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;[x](http://evil.example)" in row
    assert "www.evil.example" in row and "~~gone~~" in row and "&amp; &amp;amp;" in row
    assert "eu|west\\x0a&lt;b&gt;1&lt;/b&gt;" in row


def many(result: ScanResult, count: int, reason: str) -> ScanResult:
    base = find(result, "aws_s3_bucket_acl_public", "public")
    findings = [dataclasses.replace(base, resource_id=f"arn:aws:s3:::b{i:04d}", reason=reason, fingerprint=str(i))
                for i in range(count)]
    return dataclasses.replace(result, findings=tuple(findings))


def test_markdown_caps_the_number_of_rows(result: ScanResult) -> None:
    text = markdown.render(many(result, 500, "public"), OPTIONS)
    rows = table_rows(GFM.render(text).split("<table>")[2])
    assert len(rows) == markdown.MAX_ROWS
    assert "and 450 more" in text and "b0000" in text and "b0049" in text and "b0050" not in text


def test_markdown_caps_the_length(result: ScanResult) -> None:
    # hostile text escapes to several times its length: the cap applies after escaping
    text = markdown.render(many(result, 200, "<>&|" * 5000), OPTIONS)
    rows = table_rows(GFM.render(text).split("<table>")[2])
    assert len(text) <= markdown.MAX_CHARS < 65_536
    assert 0 < len(rows) < markdown.MAX_ROWS
    assert f"and {200 - len(rows)} more" in text


# every writer ------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["sarif", "junit", "csv", "markdown"])
def test_unencodable_text_does_not_abort_the_write(result: ScanResult, fmt: str, tmp_path: Path) -> None:
    # a lone surrogate can come from a snapshot's JSON escapes; UTF-8 cannot encode it
    base = find(result, "aws_s3_bucket_versioning", "unversioned")
    odd = dataclasses.replace(base, status=Status.FAIL, resource_id="arn:aws:s3:::bad\ud800name",
                              reason="reason \udfff")
    path = tmp_path / f"out.{fmt}"
    atomic.write_text(path, FORMATS[fmt](dataclasses.replace(result, findings=(odd,)), OPTIONS))
    assert "bad" in path.read_text(encoding="utf-8")


# end to end through the CLI ---------------------------------------------------------

def skyscan(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "scanner", *args], text=True, capture_output=True, cwd=ROOT,
                          env=env, timeout=120)


def outputs(directory: Path) -> dict[str, Path]:
    names = {"sarif": "a.sarif", "junit": "b.xml", "csv": "c.csv", "markdown": "d.md", "json": "e.json"}
    return {fmt: directory / name for fmt, name in names.items()}


def test_cli_writes_all_five_formats_from_one_scan(tmp_path: Path) -> None:
    snap_path = tmp_path / "snap.json"
    snapshot.save(Snapshot([Scope("aws", ACCOUNT, ("us-east-1",))], [*records()[:3], account_settings()], [],
                           collected=TYPES), snap_path)
    paths = outputs(tmp_path)
    proc = skyscan("scan", "--snapshot", str(snap_path), "--checks", ",".join(CHECK_IDS),
                   *(a for fmt, p in paths.items() for a in ("-o", f"{fmt}={p}")))
    assert proc.returncode == 0, proc.stderr
    report = load_report(paths["json"])
    fails = sum(f["status"] == "FAIL" for f in report["findings"])
    doc = json.loads(paths["sarif"].read_text())
    sarif_validator().validate(doc)
    assert len(doc["runs"][0]["results"]) == fails > 0
    assert JUnitXml.fromfile(str(paths["junit"])).failures == fails
    _, rows = read_csv(paths["csv"].read_text())
    assert sorted(r["fingerprint"] for r in rows) == sorted(f["fingerprint"] for f in report["findings"])
    assert paths["markdown"].read_text().startswith("## skyscan: 1 critical")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["snap.json", *(p.name for p in paths.values())])


def test_cli_failed_run_leaves_no_report_behind(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"kind": "skyscan-snapshot", "schema_version": 1, "resources": [}')
    paths = outputs(tmp_path)
    proc = skyscan("scan", "--snapshot", str(bad), *(a for fmt, p in paths.items() for a in ("-o", f"{fmt}={p}")))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == [bad]
