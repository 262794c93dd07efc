"""The JSON report written finding by finding is the same text as rendered whole."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from scanner import registry, runner, snapshot
from scanner.report import json_report
from scanner.report.options import RenderOptions
from tests.scenarios import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["aws_s3_bucket_settings.json", "aws_s3_public_access_open_account.json"])
def test_streamed_json_equals_the_rendered_text(name: str) -> None:
    snap = load_scenario(ROOT / "fixtures" / "checks" / name).snapshot
    result = runner.scan(snap, registry.load().select(provider="aws", services=["s3"]))
    assert len(result.findings) > 5
    options = RenderOptions(show_passed=True)
    out = io.StringIO()
    json_report.dump(result, options, out)
    assert out.getvalue() == json_report.render(result, options)
    assert len(json.loads(out.getvalue())["findings"]) == len(result.findings)


def test_a_scan_without_findings_streams_an_empty_list() -> None:
    result = runner.scan(snapshot.Snapshot(collected=["aws.s3.bucket"]), [
        c for c in registry.load().checks if c.spec.id == "aws_s3_bucket_versioning"])
    out = io.StringIO()
    json_report.dump(result, RenderOptions(show_passed=True), out)
    assert out.getvalue() == json_report.render(result, RenderOptions(show_passed=True))
