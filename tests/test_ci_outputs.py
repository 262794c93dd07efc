"""One scan of the emulated account writes every report format at once, and each is
checked by an independent reader: the JSON and SARIF schemas, junitparser, csv, markdown."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from junitparser import Failure, JUnitXml

from tests.reporting import load_report, sarif_validator
from tests.test_scan_aws import run_skyscan, seed_mixed_account


def test_one_scan_writes_every_format_and_each_validates(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    paths = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "junit", "csv", "markdown")}
    args = [arg for fmt, path in paths.items() for arg in ("-o", f"{fmt}={path}")]
    proc = run_skyscan(aws_endpoint, "scan", "aws", "--fail-on", "critical", *args)
    assert proc.returncode == 1, proc.stderr

    findings = load_report(paths["json"])["findings"]
    failing = {(f["check_id"], f["resource_id"]) for f in findings if f["status"] == "FAIL"}

    sarif = json.loads(paths["sarif"].read_text())
    sarif_validator().validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {(r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]) for r in results} == failing
    assert {r["partialFingerprints"]["skyscanFingerprint/v1"] for r in results} == {
        f["fingerprint"] for f in findings if f["status"] == "FAIL"}

    xml = JUnitXml.fromfile(str(paths["junit"]))
    cases = [case for suite in xml for case in suite]
    assert len(cases) == len(findings)
    failed = {(case.classname, case.name.split(" ")[0]) for case in cases
              if any(isinstance(r, Failure) for r in case.result)}
    assert failed == failing

    with paths["csv"].open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["check_id"], r["resource_id"], r["status"]) for r in rows] == [
        (f["check_id"], f["resource_id"], f["status"]) for f in findings]

    markdown = paths["markdown"].read_text()
    assert "arn:aws:s3:::open-acl" in markdown and "arn:aws:s3:::open-policy" in markdown
    assert len(markdown) < 65_536
