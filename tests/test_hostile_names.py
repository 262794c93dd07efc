"""Hostile names cannot break or spoof a report: one scan, through the CLI, of a saved
snapshot whose resource ids, names, regions, tag values and collection errors hold
newlines, carriage returns, ANSI and OSC terminal escapes, bidi overrides, NULs,
XML-invalid characters, spreadsheet formula prefixes, Markdown pipes and 100,000-character
values; every format is read back by an independent parser.

tests/report/test_writers.py checks each writer on one hostile name; this adds the
whole path (snapshot file -> scan -> six outputs at once, stdout a strict UTF-8 stream),
the terminal table, the JSON round trip and the wider set of characters.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from junitparser import JUnitXml
from markdown_it import MarkdownIt

from scanner import snapshot
from scanner.resources.aws import (
    PublicAccessBlock,
    S3AccountSettings,
    S3Acl,
    S3Bucket,
    S3BucketPolicy,
    S3Encryption,
    S3Grant,
    S3Versioning,
)
from scanner.resources.azure import BlobContainer, StorageAccount, StorageAccountProperties
from scanner.snapshot import CollectionError, Scope, Snapshot
from tests.reporting import load_report, sarif_validator

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
SUBSCRIPTION = "00000000-0000-0000-0000-0000000000a1"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
LONG = "long-" + "x" * 100_000
HOSTILE = {
    "newline": "new\nline",
    "carriage": "carriage\rreturn\r\nboth",
    "ansi": "ansi\x1b[31mred\x1b[0m\x1b[2J\x1b[H",
    "osc": "osc\x1b]8;;http://evil.example\x07click\x1b]8;;\x07\x1b]0;title\x07",
    "bidi": "bidi\u202egnp.exe\u202c\u2066iso\u2069\u200f",
    "nul": "nul\x00byte",
    "xml": "xml\x01\x08\x0b\x0c\x1f\ufffe\uffff\x7f\x85",
    "markdown": "pipe|cell|`code`|[link](http://evil.example)|<img src=x>|**b**",
    "separators": "line\u2028para\u2029zero\u200bwidth\ufeffbom",
    "long": LONG,
}
# cells a spreadsheet would run as formulas: ids a plugin's records (or a forged snapshot) may carry
FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# what must never reach a terminal: C0 (but newline) and C1 controls, bidi, zero-width, separators, BOM
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
CHECKS = ("aws_s3_bucket_acl_public,aws_s3_bucket_default_encryption,aws_s3_bucket_versioning,"
          "azure_storage_container_public_access,azure_storage_account_min_tls")
MUTES = """\
mutes:
  - tags: {owner: "*evil*"}
    reason: "muted by a tag glob \\e[31m \\u202e"
  - check: nothing_matches_*
    reason: "stale \\e]8;;http://evil.example\\a entry \\n second line"
"""


def s3_bucket(key: str, name: str, *, resource_id: str | None = None, region: str = "us-east-1",
              **fields: Any) -> S3Bucket:
    settled: dict[str, Any] = {
        "acl": S3Acl("owner", (S3Grant("Group", ALL_USERS, "READ"),)),  # public: FAIL
        "policy": S3BucketPolicy(None),
        "public_access_block": PublicAccessBlock(configured=False),
        "encryption": None,  # unread: ERROR
        "versioning": S3Versioning("Suspended"),  # FAIL
        "object_ownership": "ObjectWriter",
    }
    settled.update(fields)
    return S3Bucket(account=ACCOUNT, region=region, resource_id=resource_id or f"arn:aws:s3:::{name}", name=name,
                    tags={"owner": f"evil {name}", "key": key}, **settled)


def azure_records(key: str, name: str) -> list[Any]:
    account_id = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-{name}/providers/Microsoft.Storage/" \
                 f"storageAccounts/{name}"
    props = StorageAccountProperties(creation_time="2021-01-01T00:00:00Z", allow_blob_public_access=True,
                                     minimum_tls_version="TLS1_0")
    return [
        StorageAccount(account=SUBSCRIPTION, region="westeurope", resource_id=account_id, name=name,
                       tags={"owner": name}, resource_group=f"rg-{name}", api_version="2023-05-01", properties=props),
        BlobContainer(account=SUBSCRIPTION, region="westeurope", name=name, tags={"k": key},
                      resource_id=f"{account_id}/blobServices/default/containers/{name}", storage_account_id=account_id,
                      public_access="Container"),
    ]


def hostile_snapshot() -> Snapshot:
    records: list[Any] = [S3AccountSettings(account=ACCOUNT, region="us-east-1", name=ACCOUNT,
                                            resource_id=f"arn:aws:s3::{ACCOUNT}:account",
                                            public_access_block=PublicAccessBlock(configured=False))]
    for key, value in HOSTILE.items():
        records.append(s3_bucket(key, value))
        records += azure_records(key, value)
    records += [s3_bucket(f"formula{i}", f"formula{i}", resource_id=f) for i, f in enumerate(FORMULAS)]
    records.append(s3_bucket("region", "odd-region", region="eu\x1b[2J\n|west\u202e", acl=S3Acl("owner", ()),
                             encryption=S3Encryption("AES256"), versioning=S3Versioning("Enabled")))  # PASS
    error = CollectionError("aws", ACCOUNT, "us-east-1\x1b[31m", "s3\n|", "GetBucketPolicy\r", "Denied\x1b]0;x\x07",
                            f"access denied for {HOSTILE['ansi']} {HOSTILE['bidi']}\nsecond line", "aws.s3.bucket",
                            f"arn:aws:s3:::{HOSTILE['newline']}")
    scopes = [Scope("aws", ACCOUNT, ("us-east-1",)), Scope("azure", SUBSCRIPTION, ("westeurope",))]
    collected = ("aws.s3.bucket", "aws.s3.account", "azure.storage.account", "azure.storage.container",
                 "azure.storage.blob_data_plane")
    return Snapshot(scopes, records, [error], created_at="2026-01-01T00:00:00Z", collected=collected)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One scan writing every format; the table to stdout, a strict UTF-8 stream."""
    directory = tmp_path_factory.mktemp("hostile")
    snap = hostile_snapshot()
    snapshot.save(snap, directory / "snap.json")
    (directory / "mutes.yaml").write_text(MUTES)
    files = {fmt: directory / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "csv", "markdown")}
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8:strict"}
    proc = subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "--snapshot", str(directory / "snap.json"), "--checks", CHECKS,
         "--mute", str(directory / "mutes.yaml"), "--show-passed", "-o", "table",
         *(arg for fmt, path in files.items() for arg in ("-o", f"{fmt}={path}"))],
        capture_output=True, cwd=ROOT, env=env, timeout=300)
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert proc.returncode == 3, stderr  # the unread encryption settings leave the scan incomplete
    assert stderr == ""
    report = load_report(files["json"])
    return {"snap": snap, "stdout": stdout, "files": files, "report": report, "findings": report["findings"]}


def test_every_hostile_id_is_scanned(scanned: dict[str, Any]) -> None:
    ids = {f["resource_id"] for f in scanned["findings"]}
    hostile_ids = {r.resource_id for r in scanned["snap"].all_resources() if r.TYPE != "aws.s3.account"}
    assert hostile_ids <= ids
    statuses = {f["status"] for f in scanned["findings"]}
    assert statuses == {"PASS", "FAIL", "ERROR", "MUTED"}


def test_json_round_trips_every_value_exactly(scanned: dict[str, Any]) -> None:
    records = {r.resource_id: r for r in scanned["snap"].all_resources()}
    for finding in scanned["findings"]:
        record = records.get(finding["resource_id"])
        if record is not None:  # the same characters, none escaped away, none shortened
            assert (finding["account"], finding["region"]) == (record.account, record.region)
    assert any(f["resource_id"] == f"arn:aws:s3:::{LONG}" for f in scanned["findings"])
    (error,) = scanned["report"]["errors"]
    original = scanned["snap"].errors[0]
    assert (error["code"], error["message"], error["region"]) == (original.code, original.message, original.region)
    muted = [f for f in scanned["findings"] if f["status"] == "MUTED"]
    assert muted and all(f["mute_reason"] == "muted by a tag glob \x1b[31m \u202e" for f in muted)


def table_blocks(stdout: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in stdout.split("\n"):
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def test_table_has_no_raw_control_characters_and_one_row_per_finding(scanned: dict[str, Any]) -> None:
    stdout = scanned["stdout"]
    assert not RAW_CONTROL.findall(stdout)
    findings, *_ = table_blocks(stdout)
    header, rule, *rows = findings
    assert header.split()[:3] == ["Severity", "Status", "Check"] and set(rule) <= {"-", " "}
    assert len(rows) == len(scanned["findings"])  # --show-passed: every finding, one line each
    severities = [f["severity"].upper() for f in scanned["findings"]]
    assert [row.split()[0] for row in rows] == severities
    assert max(len(row) for row in rows) < 400  # a 100,000-character id is shortened
    errors = next(b for b in table_blocks(stdout) if b[0].split()[:2] == ["Service", "Operation"])
    assert len(errors) == 2 + 1  # header, rule, the one collection error
    assert "\\x1b" in errors[2] and "\\x0a" in errors[2]  # escaped, visibly
    assert any("Stale mute entry" in line and "\\x1b]8;;" in line for line in stdout.splitlines())


def test_csv_round_trips_one_row_per_finding_with_formulas_defused(scanned: dict[str, Any]) -> None:
    text = scanned["files"]["csv"].read_bytes().decode("utf-8")  # no newline translation
    limit = csv.field_size_limit(sys.maxsize)  # an ARM id holding a 100,000-character name three times
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    finally:
        csv.field_size_limit(limit)
    header, *body = rows
    assert len(body) == len(scanned["findings"])
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_START)]
    column = header.index("resource_id")
    exported = [row[column] for row in body]
    expected = ["'" + f["resource_id"] if f["resource_id"].startswith(FORMULA_START) else f["resource_id"]
                for f in scanned["findings"]]
    assert exported == expected  # newlines, NULs and 100,000 characters survive quoting
    assert sum(cell.startswith("'") for cell in exported) == len(FORMULAS) * 3  # three checks per bucket


def test_sarif_validates(scanned: dict[str, Any]) -> None:
    text = scanned["files"]["sarif"].read_text(encoding="utf-8")
    assert text.isascii()
    doc = json.loads(text)
    sarif_validator().validate(doc)
    (run,) = doc["runs"]
    failing = [f for f in scanned["findings"] if f["status"] in ("FAIL", "MUTED")]
    assert len(run["results"]) == len(failing)
    for result in run["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.count("/") == 4 and not RAW_CONTROL.search(uri)  # the name stays one path segment


def test_junit_parses_with_one_case_per_finding(scanned: dict[str, Any]) -> None:
    text = scanned["files"]["junit"].read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)  # outside XML 1.0
    xml = JUnitXml.fromstring(text)
    cases = [case for suite in xml for case in suite]
    assert len(cases) == xml.tests == len(scanned["findings"])
    assert xml.failures == sum(f["status"] == "FAIL" for f in scanned["findings"])


def test_markdown_table_rows_stay_one_per_line(scanned: dict[str, Any]) -> None:
    text = scanned["files"]["markdown"].read_text(encoding="utf-8")
    assert not RAW_CONTROL.findall(text)
    lines = text.split("\n")
    start = lines.index("### Findings needing attention") + 2
    table = []
    for line in lines[start:]:
        if not line:
            break
        table.append(line)
    rows = table[2:]
    attention = [f for f in scanned["findings"] if f["status"] in ("FAIL", "ERROR")]
    assert 0 < len(rows) <= len(attention)
    assert all(row.startswith("| ") and row.endswith(" |") for row in table)
    html = MarkdownIt("gfm-like").render(text)
    body = html.split("<table>")[2].split("<tbody>")[1].split("</tbody>")[0]
    parsed = body.split("<tr>")[1:]
    assert len(parsed) == len(rows) and all(row.count("<td") == 6 for row in parsed)
    assert "<img" not in html and "<a " not in html
