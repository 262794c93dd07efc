"""The coverage section and --min-coverage, over saved snapshots (offline scans)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from scanner import cli
from scanner.coverage import kind_of, measure
from scanner.snapshot import CollectionError, Snapshot
from tests.reporting import load_report

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "111122223333"
CHECK = "aws_s3_bucket_versioning"


def stats(calls: int) -> dict[str, Any]:
    return {"operations": [{"provider": "aws", "account": ACCOUNT, "region": "us-east-1", "service": "s3",
                            "operation": "GetBucketVersioning", "calls": calls, "retries": 3, "throttled": 2,
                            "failed": 1}],
            "collectors": [{"collector": "aws.s3", "provider": "aws", "account": ACCOUNT, "seconds": 1.5}],
            "wall_seconds": 2.0, "max_workers": 16}


def error(code: str, bucket: str = "settings-unread", service: str = "s3") -> dict[str, Any]:
    return {"provider": "aws", "account": ACCOUNT, "region": "us-east-1", "service": service,
            "operation": "GetBucketVersioning", "code": code, "message": "", "resource_type": "aws.s3.bucket",
            "resource_id": f"arn:aws:s3:::{bucket}"}


def snapshot_file(tmp_path: Path, *, errors: list[dict[str, Any]], calls: int | None) -> Path:
    """The S3 settings fixture (one bucket of which has its settings unread), with the
    given errors and call accounting."""
    doc = json.loads((ROOT / "fixtures/checks/aws_s3_bucket_settings.json").read_text())["snapshot"]
    doc = {"kind": "skyscan-snapshot", "schema_version": 1, **doc, "collected": ["aws.s3.bucket"],
           "errors": errors, **({"stats": stats(calls)} if calls is not None else {})}
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc))
    return path


def scan(snap: Path, out: Path, *flags: str) -> int:
    try:
        return cli.main(["scan", "--snapshot", str(snap), "--checks", CHECK, "-q", "-o", f"json={out}", *flags])
    except SystemExit as exc:  # argparse's own errors
        return int(exc.code or 0)


@pytest.mark.parametrize(("code", "kind"), [
    ("AccessDenied", "denied"), ("AccessDeniedException", "denied"), ("AuthorizationFailed", "denied"),
    ("ExpiredToken", "denied"), ("Throttled", "throttled"), ("Timeout", "failed"),
    ("ConnectionError", "failed"), ("InternalError", "failed"), ("MalformedResponse", "failed"),
])
def test_each_lost_read_is_classed_by_its_code(code: str, kind: str) -> None:
    assert kind_of(CollectionError(**error(code))) == kind


def test_coverage_counts_calls_answered_against_reads_lost_per_account_region_and_service(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    errors = [error("AccessDenied"), error("Throttled", "defaults"), error("Timeout", "hardened"),
              error("AccessDenied", service="s3control")]
    assert scan(snapshot_file(tmp_path, errors=errors, calls=97), out) == 3
    doc = load_report(out)
    cover = doc["coverage"]
    rows = {r["service"]: r for r in cover["rows"]}
    assert rows["s3"] == {"provider": "aws", "account": ACCOUNT, "region": "us-east-1", "service": "s3",
                          "calls": 97, "read": 94, "denied": 1, "throttled": 1, "failed": 1}
    # a read lost where no call was counted still counts as lost
    assert (rows["s3control"]["calls"], rows["s3control"]["read"], rows["s3control"]["denied"]) == (0, 0, 1)
    assert (cover["read"], cover["denied"], cover["throttled"], cover["failed"]) == (94, 2, 1, 1)
    assert cover["percent"] == pytest.approx(100 * 94 / 98, abs=0.01)
    assert doc["scan"]["stats"]["throttled"] == 2 and doc["scan"]["stats"]["retries"] == 3


def test_min_coverage_tolerates_lost_reads_only_up_to_the_threshold(tmp_path: Path) -> None:
    snap = snapshot_file(tmp_path, errors=[error("AccessDenied")], calls=100)  # 99% answered
    out = tmp_path / "r.json"
    assert scan(snap, out) == 3  # by default any lost read a check needs: incomplete
    assert scan(snap, out, "--min-coverage", "99") == 0
    statuses = {f["resource_id"]: f["status"] for f in load_report(out)["findings"]}
    assert statuses["arn:aws:s3:::settings-unread"] == "ERROR"  # tolerated, never turned into a PASS
    assert scan(snap, out, "--min-coverage", "99.5") == 3
    assert scan(snap, out, "--min-coverage", "99", "--fail-on", "low") == 1  # findings still win


def test_min_coverage_never_tolerates_a_check_that_could_not_run(tmp_path: Path) -> None:
    doc = json.loads(snapshot_file(tmp_path, errors=[], calls=10).read_text())
    doc["collected"] = []  # the snapshot never looked at buckets: the check cannot run
    snap = tmp_path / "never-collected.json"
    snap.write_text(json.dumps(doc))
    assert scan(snap, tmp_path / "r.json", "--min-coverage", "0") == 3


def test_a_snapshot_without_call_accounting_counts_records_as_reads(tmp_path: Path) -> None:
    snap = Snapshot.from_json(json.loads(snapshot_file(tmp_path, errors=[error("Timeout")], calls=None).read_text()))
    cover = measure(snap)
    buckets = len(snap.resource_types()) and sum(1 for _ in snap.all_resources())
    assert (cover.read, cover.lost) == (buckets - 1, 1)


@pytest.mark.parametrize("value", ["101", "-1", "abc", "nan", ""])
def test_a_bad_min_coverage_is_one_line_and_exit_2(value: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    snap = snapshot_file(tmp_path, errors=[], calls=1)
    assert scan(snap, tmp_path / "r.json", "--min-coverage", value) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--min-coverage" in err[0]
    assert not (tmp_path / "r.json").exists()
