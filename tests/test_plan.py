"""``scan --plan`` calls nothing and brackets the real scan's calls; a real scan keeps
no more requests in flight than --max-workers (measured at a proxy in front of moto)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from scanner import cli, planning, runner
from scanner.collect import catalog
from scanner.registry import load
from tests.faultproxy import FaultProxy
from tests.reporting import load_report

BUCKETS = 12
WITH_POLICY = 4


def seed_buckets(s3: Any, count: int, with_policy: int = 0) -> None:
    for i in range(count):
        name = f"bucket-{i:03d}"
        s3.create_bucket(Bucket=name)
        if i < with_policy:
            s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": f"arn:aws:s3:::{name}/*",
                 "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))


def peak_in_flight(proxy: FaultProxy) -> int:
    """The most requests the proxy held at once (arrival to answer)."""
    edges = sorted([(e.at, 1) for e in proxy.log] + [(e.at + e.seconds, -1) for e in proxy.log],
                   key=lambda edge: (edge[0], edge[1]))  # an answer before an arrival at the same instant
    peak = now = 0
    for _, step in edges:
        now += step
        peak = max(peak, now)
    return peak


def test_the_plan_names_collectors_operations_and_an_estimate_without_one_call(
    aws_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with FaultProxy(aws_endpoint) as proxy:
        code = cli.main(["scan", "aws", "--plan", "--endpoint-url", proxy.url, "--services", "s3,ec2",
                         "--regions", "us-east-1,eu-west-1"])
        assert proxy.log == []
    out = capsys.readouterr().out
    assert code == 0
    assert "aws.s3" in out and "aws.ec2" in out and "aws.iam" not in out
    assert "GetBucketAcl" in out and "Estimated API calls:" in out


def test_the_estimate_brackets_what_the_scan_then_calls(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_buckets(s3_seed, BUCKETS, WITH_POLICY)
    checks = load().select(provider="aws", services=["s3"])
    collectors = runner.plan(checks, catalog.collectors("aws"))
    scope = planning.PlanScope(1, "", 1, "", context_calls=(), global_service=False)
    est = planning.estimate(collectors, scope)
    always, maybe = est.per_record["aws.s3.bucket"]
    out = tmp_path / "r.json"
    with FaultProxy(aws_endpoint) as proxy:
        code = cli.main(["scan", "aws", "--endpoint-url", proxy.url, "--services", "s3", "--regions", "us-east-1",
                         "-q", "-o", f"json={out}"])
        made = [e for e in proxy.log if e.service in ("s3", "s3control")]
    assert code == 0
    assert est.per_account + always * BUCKETS <= len(made) <= est.per_account + (always + maybe) * BUCKETS + est.paged
    # the scan's own accounting agrees with what the proxy saw
    by_service = load_report(out)["scan"]["stats"]["by_service"]
    assert by_service["aws.s3"]["calls"] + by_service["aws.s3control"]["calls"] == len(made)
    # each per-bucket read once per bucket, however many of the 10 S3 checks read it
    acl_reads = [e for e in made if e.operation == "GetBucketAcl"]
    assert len(acl_reads) == BUCKETS
    status_reads = [e for e in made if e.operation == "GetBucketPolicyStatus"]
    assert len(status_reads) == WITH_POLICY


@pytest.mark.parametrize(("workers", "buckets"), [(1, 4), (3, 16)])
def test_no_more_requests_in_flight_than_max_workers(aws_endpoint: str, s3_seed: Any, tmp_path: Path,
                                                     workers: int, buckets: int) -> None:
    seed_buckets(s3_seed, buckets)
    with FaultProxy(aws_endpoint, delay=0.03) as proxy:
        code = cli.main(["scan", "aws", "--endpoint-url", proxy.url, "--services", "s3", "--regions", "us-east-1",
                         "--max-workers", str(workers), "-q", "-o", f"json={tmp_path / 'r.json'}"])
        peak = peak_in_flight(proxy)
    assert code == 0
    assert peak <= workers
    if workers > 1:
        assert peak == workers  # and the bound is actually used


def test_a_narrow_selection_reads_only_what_its_checks_read(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_buckets(s3_seed, 5)
    out = tmp_path / "r.json"
    with FaultProxy(aws_endpoint) as proxy:
        code = cli.main(["scan", "aws", "--endpoint-url", proxy.url, "--checks", "aws_s3_bucket_versioning",
                         "--regions", "us-east-1", "-q", "-o", f"json={out}"])
        per_bucket = Counter(e.operation for e in proxy.log if e.service == "s3" and e.operation != "ListBuckets")
    assert code == 0
    # moto's ListBuckets gives no region, so GetBucketLocation is asked too; the one
    # GetPublicAccessBlock is the account's (S3 Control), not a bucket's
    assert per_bucket == {"GetBucketVersioning": 5, "GetBucketLocation": 5, "GetPublicAccessBlock": 1}
    assert {f["status"] for f in load_report(out)["findings"]} == {"FAIL"}  # decided, not ERROR


def test_a_mute_file_selecting_by_tag_keeps_the_tags_read(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_buckets(s3_seed, 2)
    s3_seed.put_bucket_tagging(Bucket="bucket-000", Tagging={"TagSet": [{"Key": "env", "Value": "sandbox"}]})
    mutes = tmp_path / "mutes.yaml"
    mutes.write_text("mutes:\n  - check: aws_s3_bucket_versioning\n    tags: {env: sandbox}\n    reason: sandbox\n")
    out = tmp_path / "r.json"
    code = cli.main(["scan", "aws", "--endpoint-url", aws_endpoint, "--checks", "aws_s3_bucket_versioning",
                     "--regions", "us-east-1", "--mute", str(mutes), "-q", "-o", f"json={out}"])
    assert code == 0
    statuses = {f["resource_id"]: f["status"] for f in load_report(out)["findings"]}
    assert statuses == {"arn:aws:s3:::bucket-000": "MUTED", "arn:aws:s3:::bucket-001": "FAIL"}
