"""Third-party checks: a real distribution installed with pip is listed, run and held
to the fixture contract; a broken one is refused with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = Path(__file__).resolve().parent / "plugins"


def _install(name: str, target: Path) -> dict[str, str]:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(PLUGINS / name)],
        check=True, capture_output=True,
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(ROOT)])}


def _skyscan(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scanner", *args], env=env, text=True,
                          capture_output=True, cwd=ROOT, timeout=120)


@pytest.fixture(scope="module")
def sample_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _install("sample_plugin", tmp_path_factory.mktemp("sample"))


def test_installed_plugin_check_is_listed(sample_env: dict[str, str]) -> None:
    proc = _skyscan(sample_env, "checks", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    by_id = {c["id"]: c for c in json.loads(proc.stdout)}
    assert by_id["aws_s3_bucket_owner_tag"]["origin"] == "skyscan-sample-plugin"
    assert by_id["aws_s3_bucket_owner_tag"]["severity"] == "low"


def test_installed_plugin_check_runs_in_a_scan(sample_env: dict[str, str], tmp_path: Path) -> None:
    scenario = json.loads((PLUGINS / "sample_plugin/skyscan_sample_plugin/fixtures/owner_tag.json").read_text())
    snap = tmp_path / "snap.json"
    snap.write_text(json.dumps({"kind": "skyscan-snapshot", "schema_version": 1, **scenario["snapshot"]}))
    out = tmp_path / "out.json"
    proc = _skyscan(sample_env, "scan", "--snapshot", str(snap), "--checks", "aws_s3_bucket_owner_tag",
                    "-o", f"json={out}")
    assert proc.returncode == 3, proc.stderr  # one bucket's tags were unreadable: incomplete
    statuses = {f["resource_id"]: f["status"] for f in json.loads(out.read_text())["findings"]}
    assert statuses == {
        "arn:aws:s3:::tagged": "PASS",
        "arn:aws:s3:::untagged": "FAIL",
        "arn:aws:s3:::untagged-read-failed": "ERROR",
    }


def test_plugin_checks_are_held_to_the_fixture_contract(sample_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_check_fixtures.py",
         "-k", "aws_s3_bucket_owner_tag"],
        env=sample_env, text=True, capture_output=True, cwd=ROOT, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "1 passed" in proc.stdout


def test_broken_plugin_is_refused_naming_module_and_field(tmp_path: Path) -> None:
    env = _install("broken_plugin", tmp_path / "broken")
    proc = _skyscan(env, "checks", "list")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert "skyscan_broken_plugin.aws_s3_bucket_broken_severity" in lines[0]
    assert "severity" in lines[0]
    assert proc.stdout == ""
