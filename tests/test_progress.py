"""Progress on stderr: shown at a terminal (a pseudo-terminal here), silent otherwise."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

from tests.test_plan import seed_buckets

ROOT = Path(__file__).resolve().parent.parent


def stderr_of_scan(endpoint: str, tmp_path: Path, *flags: str, tty: bool) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint, "COLUMNS": "200"}
    args = [sys.executable, "-m", "scanner", "scan", "aws", "--services", "s3", "--regions", "us-east-1",
            "-o", f"json={tmp_path / 'r.json'}", *flags]
    if not tty:
        return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120).stderr
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))  # a real terminal's size
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(primary)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_a_terminal_sees_collectors_and_calls(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_buckets(s3_seed, 3)
    shown = stderr_of_scan(aws_endpoint, tmp_path, tty=True)
    assert "collecting aws.s3" in shown  # the scope line
    assert "1/1" in shown and "collector" in shown  # the bar: one collector in one account, finished
    assert "API calls" in shown  # the closing line counts them


def test_a_pipeline_and_quiet_see_nothing(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_buckets(s3_seed, 3)
    assert stderr_of_scan(aws_endpoint, tmp_path, tty=False) == ""
    assert stderr_of_scan(aws_endpoint, tmp_path, "-q", tty=True) == ""
