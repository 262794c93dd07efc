"""Credentials never leave: canary values planted in the AWS credentials of a scan must
not appear in any report, snapshot, stdout or stderr — on success or on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.test_scan_aws import seed_mixed_account

ROOT = Path(__file__).resolve().parent.parent
KEY_ID = "AKIACANARY7Q2X9Z4W1B"
SECRET = "canary-secret-5f1e9c0a7b3d42e8a6c1"
TOKEN = "canary-session-token-8d2b6e4f1a9c37"
FORMATS = ("json", "sarif", "junit", "csv", "markdown")


def scan(endpoint: str, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": KEY_ID,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    files = [tmp_path / f"report.{fmt}" for fmt in FORMATS] + [tmp_path / "snap.json"]
    outputs = [arg for fmt, path in zip(FORMATS, files, strict=False) for arg in ("-o", f"{fmt}={path}")]
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--services", "s3", *outputs,
                           "--save-snapshot", str(files[-1]), *extra],
                          text=True, capture_output=True, cwd=ROOT, env=env, timeout=300)
    return proc, files


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in (SECRET, TOKEN, KEY_ID, KEY_ID[-8:]):
            assert canary not in text


def test_credentials_appear_in_no_output(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    proc, files = scan(aws_endpoint, tmp_path, "-o", "table")
    assert proc.returncode == 0, proc.stderr
    assert all(f.exists() for f in files)
    assert_no_canary(proc.stdout, proc.stderr, *(f.read_text() for f in files))


def test_credentials_appear_in_no_error_message(tmp_path: Path) -> None:
    # nothing listens on this port: the scan fails while holding the canary credentials
    proc, files = scan("http://127.0.0.1:9", tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not any(f.exists() for f in files)
    assert_no_canary(proc.stdout, proc.stderr)
