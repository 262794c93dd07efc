"""SIGINT or SIGTERM in the middle of a scan: exit code 130 (scanner/exitcodes.py), one
line on stderr and no traceback, no report written, an existing report left byte for
byte as it was, and no temporary file left behind.

The scan is a real subprocess reading moto through tests/faultproxy.py, which delays
every request so the scan is surely still collecting when the signal arrives.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner import exitcodes
from tests.faultproxy import FaultProxy

ROOT = Path(__file__).resolve().parent.parent
BUCKETS = 40
DELAY = 0.25  # seconds per request: 40 buckets take several seconds to read
PREVIOUS = b'{"schema_version": "1.0", "left": "as it was"}\n'


@pytest.fixture
def slow_aws(aws_endpoint: str, s3_seed: Any) -> Iterator[FaultProxy]:
    for i in range(BUCKETS):
        s3_seed.create_bucket(Bucket=f"bucket-{i:03d}")
    with FaultProxy(aws_endpoint, delay=DELAY) as proxy:
        yield proxy


def interrupted_scan(proxy: FaultProxy, directory: Path, aws_env: dict[str, str],
                     signum: signal.Signals) -> tuple[int, str, str, float]:
    """Start a scan, wait until it is reading, send ``signum``; (exit code, stdout,
    stderr, seconds from the signal to the exit)."""
    env = {**os.environ, **aws_env, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": proxy.url}
    process = subprocess.Popen(
        [sys.executable, "-m", "scanner", "scan", "aws", "--services", "s3", "--regions", "us-east-1",
         "-o", f"json={directory / 'out.json'}", "-o", f"sarif={directory / 'out.sarif'}", "-o", "table"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(proxy.log) < 10:  # collecting: past sign-in, into the bucket reads
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the scan never started reading"
            time.sleep(0.05)
        process.send_signal(signum)
        sent = time.monotonic()
        stdout, stderr = process.communicate(timeout=60)
        return process.returncode, stdout.decode(), stderr.decode(), time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_scan_writes_nothing(slow_aws: FaultProxy, aws_env: dict[str, str], tmp_path: Path,
                                          signum: signal.Signals) -> None:
    (tmp_path / "out.sarif").write_bytes(PREVIOUS)  # yesterday's report, say
    code, stdout, stderr, took = interrupted_scan(slow_aws, tmp_path, aws_env, signum)
    assert code == exitcodes.INTERRUPTED == 130, stderr
    assert stderr.splitlines() == ["skyscan: interrupted; no report was written"], stderr
    assert "Traceback" not in stderr and stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.sarif"]  # no report, no temporary file
    assert (tmp_path / "out.sarif").read_bytes() == PREVIOUS
    # it stops reading at once: the requests in flight end, no new one starts (a whole
    # scan of the 40 buckets sends about 8 per bucket)
    assert took < 5, took
    assert len(slow_aws.log) < 2 * BUCKETS, len(slow_aws.log)


def test_the_same_scan_without_a_signal_completes(slow_aws: FaultProxy, aws_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    # the control: the scan interrupted above writes both reports and reads far more
    env = {**os.environ, **aws_env, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": slow_aws.url}
    slow_aws.delay = 0.0
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--services", "s3", "--regions",
                           "us-east-1", "-o", f"json={tmp_path / 'out.json'}", "-o", f"sarif={tmp_path / 'out.sarif'}"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode in (0, 3), proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json", "out.sarif"]
    assert len(slow_aws.log) > 4 * BUCKETS
