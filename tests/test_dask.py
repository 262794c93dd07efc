"""``--executor dask``: an organisation scan whose units run on a Dask LocalCluster of
worker processes, against moto serving a management account and two members in two
regions (tests/dask_world.py). The tests that need the seeded organisation and a local
scan to compare with are one test, so that pytest-xdist never builds them twice.

The driver (a ``skyscan`` subprocess) and the workers hold different keys: the driver's
secret key and session token are canaries that must never appear in a task the
scheduler received. A scheduler plugin records every task's spec and every state
transition, so the tests see what was submitted, retried and rescheduled.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cloudpickle
import pytest
from distributed.diagnostics.plugin import SchedulerPlugin

from scanner import registry
from tests.dask_world import (
    EU,
    SERVICES,
    US,
    client_factory,
    create_organisation,
    driver_env,
    local_cluster,
    moto_process,
    seed_members,
    worker_env,
)
from tests.reporting import load_report

REGIONS = (US, EU)
ROOT = Path(__file__).resolve().parents[1]
# what the driver holds and no worker may receive
DRIVER_KEYS = {"AWS_ACCESS_KEY_ID": "driver-key", "AWS_SECRET_ACCESS_KEY": "driver-secret-canary-4f1d",
               "AWS_SESSION_TOKEN": "driver-token-canary-9c2e", "AZURE_CLIENT_SECRET": "azure-secret-canary-77ab"}
# Checks left out: moto has no Access Analyzer (each read would be retried against a
# 500), no function URL listing, no root row in the credential report, no MFA delete.
LEFT_OUT = {"aws_iam_access_analyzer_enabled", "aws_lambda_function_url_public", "aws_iam_root_recent_use",
            "aws_s3_bucket_mfa_delete"}


def checks_flag() -> str:
    chosen = registry.load().select(provider="aws", services=SERVICES)
    return ",".join(c.spec.id for c in chosen if c.spec.id not in LEFT_OUT)


class Recorder(SchedulerPlugin):
    """Lives in the scheduler (in this process): every submitted task's spec, pickled
    as the scheduler holds it, and every transition (key, from, to)."""

    def __init__(self) -> None:
        self.specs: dict[str, bytes] = {}
        self.transitions: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()

    def update_graph(self, scheduler: Any, *, tasks: Any = (), **kwargs: Any) -> None:
        for key in tasks:
            state = scheduler.tasks.get(key)
            if state is not None and str(key).startswith("skyscan-"):
                with self._lock:
                    self.specs[str(key)] = cloudpickle.dumps(state.run_spec)

    def transition(self, key: Any, start: str, finish: str, *args: Any, **kwargs: Any) -> None:
        if str(key).startswith("skyscan-"):
            with self._lock:
                self.transitions.append((str(key), start, finish))

    def clear(self) -> None:
        with self._lock:
            self.specs.clear()
            self.transitions.clear()


@dataclass
class World:
    url: str
    accounts: list[str]  # the management account first
    cluster: Any
    recorder: Recorder
    workdir: Path

    def scan(self, out: Path, *flags: str, executor: str = "local", **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(out, *flags, executor=executor), text=True, capture_output=True,
                              cwd=ROOT, env=driver_env(self.workdir, **DRIVER_KEYS, **env), timeout=300)

    def command(self, out: Path, *flags: str, executor: str = "local", endpoint: str | None = None) -> list[str]:
        where = ["--executor", "dask", "--scheduler", self.cluster.scheduler_address] if executor == "dask" else []
        return [sys.executable, "-m", "scanner", "scan", "aws", "--org", "--regions", ",".join(REGIONS),
                "--endpoint-url", endpoint or self.url, "-q", "--show-passed", "-o", f"json={out}", *where, *flags]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """moto with an organisation (nothing seeded yet) and a cluster of two worker
    processes with two threads each."""
    workdir = tmp_path_factory.mktemp("dask")
    with moto_process(workdir) as url, local_cluster(worker_env(workdir)) as cluster:
        c = client_factory(url)
        members = create_organisation(c, members=2)
        management = str(c("sts").get_caller_identity()["Account"])
        recorder = Recorder()
        cluster.scheduler.add_plugin(recorder, name="skyscan-recorder")
        yield World(url, [management, *members], cluster, recorder, workdir)


def verdicts(doc: dict[str, Any]) -> list[tuple[str, str, str, str, str, str]]:
    return sorted((f["check_id"], f["account"], f["region"], f["resource_id"], f["status"], f["fingerprint"])
                  for f in doc["findings"])


def scopes(doc: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((s["account"], tuple(s["regions"])) for s in doc["scan"]["scopes"])


def errors(doc: dict[str, Any]) -> list[tuple[str, ...]]:
    fields = ("account", "region", "service", "operation", "code", "resource_type", "resource_id")
    return sorted(tuple(str(e[name]) for name in fields) for e in doc["errors"])


def test_a_dask_scan_decides_what_a_local_scan_decides_even_when_a_worker_dies(world: World) -> None:
    seed_members(world.url, world.accounts[1:], REGIONS)
    checks = checks_flag()
    local = world.scan(world.workdir / "local.json", "--checks", checks)
    world.recorder.clear()
    dask = world.scan(world.workdir / "dask.json", "--checks", checks, executor="dask")
    local_doc, dask_doc = load_report(world.workdir / "local.json"), load_report(world.workdir / "dask.json")

    # (1) the same findings, fingerprints, scopes and errors (moto's credential report
    # has no root row: one error per account, in both runs)
    assert local.returncode == dask.returncode == 3, (local.stderr, dask.stderr)
    assert {e[3] for e in errors(local_doc)} == {"GetCredentialReport"}
    assert verdicts(dask_doc) == verdicts(local_doc)
    assert {v[4] for v in verdicts(local_doc)} == {"PASS", "FAIL"}
    assert {v[1] for v in verdicts(local_doc)} == set(world.accounts)
    assert scopes(dask_doc) == scopes(local_doc) == sorted((a, REGIONS) for a in world.accounts)
    assert errors(dask_doc) == errors(local_doc)
    assert dask_doc["scan"]["complete"] is False

    # (2) units: one opening unit per account, the regional collectors per account and
    # region, S3, IAM and CloudTrail once per account; regions asked once per account
    labels = {key.rsplit("-", 2)[0].removeprefix("skyscan-") for key in world.recorder.specs}
    for account in world.accounts:
        assert f"aws.open-{account}" in labels
        for region in REGIONS:
            assert {f"aws.{c}-{account}-{region}" for c in ("ec2", "kms", "rds")} <= labels
        assert {f"aws.s3-{account}", f"aws.iam-{account}", f"aws.cloudtrail-{account}"} <= labels
        assert f"aws.ec2-{account}" not in labels
        operations = dask_doc["scan"]["stats"]["operations"]
        assert sum(op["calls"] for op in operations
                   if (op["account"], op["operation"]) == (account, "DescribeRegions")) == 1

    # (3) every request waits at a latency proxy, so units run for a while; one worker
    # process is killed while it runs a collection unit. Its nanny starts a new one, the
    # scheduler runs the lost units again, and the report is still the local one.
    from distributed import Client

    from tests.faultproxy import FaultProxy

    world.recorder.clear()
    out = world.workdir / "killed.json"
    with FaultProxy(world.url, delay=0.05) as proxy, Client(world.cluster.scheduler_address) as client:
        pids = client.run(os.getpid)
        scan = subprocess.Popen(world.command(out, "--checks", checks, executor="dask", endpoint=proxy.url),
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                                env=driver_env(world.workdir, **DRIVER_KEYS))
        victim = _busy_worker(world.cluster.scheduler, scan)
        os.kill(pids[victim], signal.SIGKILL)
        _, stderr = scan.communicate(timeout=300)
    assert scan.returncode == 3, stderr
    lost = {key for key, start, finish in world.recorder.transitions if (start, finish) == ("processing", "released")}
    assert lost, "no unit was running on the killed worker"
    killed_doc = load_report(out)
    assert verdicts(killed_doc) == verdicts(local_doc)
    assert errors(killed_doc) == errors(local_doc)
    assert scopes(killed_doc) == scopes(local_doc)


def _busy_worker(scheduler: Any, scan: subprocess.Popen[str]) -> str:
    """The address of a worker running a collection unit (not an opening one) of the scan."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and scan.poll() is None:
        for address, worker in list(scheduler.workers.items()):
            keys = [str(t.key) for t in list(worker.processing)]
            if any(k.startswith("skyscan-aws.") and not k.startswith("skyscan-aws.open") for k in keys):
                return str(address)
        time.sleep(0.02)
    raise AssertionError("the scan never ran a unit on the cluster")


def test_workers_never_receive_the_drivers_secrets(world: World, tmp_path: Path) -> None:
    """The driver holds canary keys (and an Azure client secret); the tasks the
    scheduler received hold account ids and role ARNs, never those values."""
    world.recorder.clear()
    proc = world.scan(tmp_path / "r.json", "--services", "s3", executor="dask")
    assert proc.returncode in (0, 1), proc.stderr
    specs = b"".join(world.recorder.specs.values())
    member = world.accounts[1]
    assert member.encode() in specs and f"arn:aws:iam::{member}:role/SkyscanAudit".encode() in specs
    for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_CLIENT_SECRET"):
        assert DRIVER_KEYS[name].encode() not in specs, name
    assert b"worker-secret" not in specs
    report = (tmp_path / "r.json").read_text()
    assert all(DRIVER_KEYS[name] not in report for name in ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"))


def test_a_unit_that_keeps_failing_is_a_collection_error(world: World, tmp_path: Path) -> None:
    """The roles want an ExternalId, and no worker has SKYSCAN_EXTERNAL_ID: every
    opening unit raises, is retried once, then every record type of its account is
    reported unread (UnitFailed) and the scan is incomplete."""
    world.recorder.clear()
    out = tmp_path / "failed.json"
    proc = world.scan(out, "--services", "s3", "--external-id", "shared-token-1", "--dask-retries", "1",
                      executor="dask")
    assert proc.returncode == 3, proc.stderr
    doc = load_report(out)
    assert sorted((e["account"], e["code"], e["operation"], e["resource_type"], e["resource_id"]) for e in
                  doc["errors"]) == sorted((a, "UnitFailed", "open", t, None) for a in world.accounts
                                           for t in ("aws.s3.bucket", "aws.s3.account"))
    assert all("SKYSCAN_EXTERNAL_ID" in e["message"] and "shared-token-1" not in e["message"] for e in doc["errors"])
    assert {f["status"] for f in doc["findings"]} == {"ERROR"}
    assert doc["scan"]["complete"] is False
    # each opening unit ran twice: once, then its one retry
    for account in world.accounts:
        moves = [(s, f) for k, s, f in world.recorder.transitions if k.startswith(f"skyscan-aws.open-{account}-")]
        assert moves.count(("waiting", "processing")) == 2 and moves.count(("processing", "erred")) == 1, moves


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (("--executor", "dask"), "--scheduler"),
        (("--executor", "dask", "--scheduler", "10.0.0.5"), "--scheduler"),
        (("--executor", "ray", "--scheduler", "tcp://127.0.0.1:8786"), "--executor"),
        (("--executor", "dask", "--scheduler", "tcp://127.0.0.1:9"), "cannot reach the Dask scheduler"),  # no one
    ],
)
def test_executor_flags_are_checked_before_any_call(tmp_path: Path, flags: tuple[str, ...], named: str) -> None:
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", *flags, "-o", f"json={out}"], text=True,
                          capture_output=True, cwd=ROOT, env=driver_env(tmp_path, AWS_ENDPOINT_URL="http://127.0.0.1:9"),
                          timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], proc.stderr
    assert not out.exists()


def test_dask_is_imported_only_when_chosen(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    s3_seed.create_bucket(Bucket="some-bucket")
    code = (
        "import sys\n"
        "from scanner.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed'))\n"
        "print('DASK-MODULES', loaded)\n"
    )
    out = tmp_path / "r.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    scan = ["scan", "aws", "--services", "s3", "--endpoint-url", aws_endpoint, "-o", f"json={out}"]
    for args in (["--version"], scan):
        proc = subprocess.run([sys.executable, "-c", code, *args], text=True, capture_output=True, cwd=ROOT, env=env,
                              timeout=120)
        assert "DASK-MODULES []" in proc.stdout, (args, proc.stdout, proc.stderr)
    assert "arn:aws:s3:::some-bucket" in {f["resource_id"] for f in load_report(out)["findings"]}


def test_an_azure_scan_on_dask_decides_what_a_local_one_decides(arm: Any, azure_env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    """Two subscriptions of the local Resource Manager; the workers sign in with their
    own ClientSecretCredential (the secret is in their environment, not in any task)."""
    from tests.test_scan_azure import live_args, run_skyscan, seed_tenant

    seed_tenant(arm)
    scan = ("scan", "azure", *live_args(arm), "--services", "storage,network,keyvault", "--show-passed")
    local = run_skyscan(arm, azure_env, *scan, "-o", f"json={tmp_path / 'local.json'}")
    recorder = Recorder()
    with local_cluster(worker_env(tmp_path, **azure_env), threads=1) as cluster:
        cluster.scheduler.add_plugin(recorder, name="skyscan-recorder")
        dask = run_skyscan(arm, azure_env, *scan, "--executor", "dask", "--scheduler", cluster.scheduler_address,
                           "-o", f"json={tmp_path / 'dask.json'}")
    assert local.returncode == dask.returncode, (local.stderr, dask.stderr)
    local_doc, dask_doc = load_report(tmp_path / "local.json"), load_report(tmp_path / "dask.json")
    assert verdicts(dask_doc) == verdicts(local_doc)
    assert {v[4] for v in verdicts(local_doc)} >= {"PASS", "FAIL"}
    assert scopes(dask_doc) == scopes(local_doc) and len(scopes(local_doc)) == 2
    assert errors(dask_doc) == errors(local_doc)
    specs = b"".join(recorder.specs.values())
    assert {key.split("-")[1] for key in recorder.specs} == {"azure.storage", "azure.network", "azure.keyvault"}
    assert all(s.encode() in specs for s, _ in scopes(local_doc))
    assert azure_env["AZURE_CLIENT_SECRET"].encode() not in specs


# narrow unit tests of the planning and failure mapping (no cluster) -----------------------


def _collector(name: str, *produces: str) -> Any:
    from scanner.collect.base import CollectorSpec

    return CollectorSpec(name=name, provider="aws", produces=produces, permissions=(), collect=lambda ctx, res: None)


def test_only_region_independent_collectors_are_split_by_region() -> None:
    from scanner.executors.units import AwsAccess, Pooling, Target, collection_units, opening_unit
    from scanner.snapshot import Scope

    target = Target(AwsAccess("111122223333", ("arn:aws:iam::111122223333:role/Audit",)),
                    Scope("aws", "111122223333", ()))
    collectors = [_collector("aws.ec2", "aws.ec2.volume"), _collector("aws.cloudtrail", "aws.cloudtrail.trail"),
                  _collector("acme.custom", "acme.thing")]
    units = collection_units(target, collectors, ("eu-west-1", "us-east-1"), Pooling(8))
    assert sorted((u.collector, u.regions, u.enabled, u.region) for u in units) == [
        ("acme.custom", None, ("eu-west-1", "us-east-1"), "global"),
        ("aws.cloudtrail", None, ("eu-west-1", "us-east-1"), "global"),
        ("aws.ec2", ("eu-west-1",), ("eu-west-1",), "eu-west-1"),
        ("aws.ec2", ("us-east-1",), ("us-east-1",), "us-east-1"),
    ]
    # regions are asked only when a collector may need them
    assert opening_unit(target, collectors, Pooling()).discover
    assert not opening_unit(target, [_collector("aws.s3", "aws.s3.bucket")], Pooling()).discover


def test_a_failed_unit_leaves_every_type_of_its_collector_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import KilledWorker

    from scanner.executors.dask_cluster import _failed
    from scanner.executors.units import AwsAccess, Unit

    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "canary-secret-value")
    collectors = [_collector("aws.ec2", "aws.ec2.volume", "aws.ec2.snapshot"), _collector("aws.s3", "aws.s3.bucket")]
    unit = Unit(AwsAccess("111122223333"), "aws.ec2", ("eu-west-1",), ("eu-west-1",))
    killed = KilledWorker("skyscan-aws.ec2", SimpleNamespace(address="tcp://10.0.0.9:1234"), 3)
    lost = _failed(unit, collectors, killed).errors
    assert sorted((e.account, e.region, e.service, e.code, e.resource_type, e.resource_id) for e in lost) == [
        ("111122223333", "eu-west-1", "aws.ec2", "WorkerLost", t, None) for t in ("aws.ec2.snapshot", "aws.ec2.volume")]
    opening = Unit(AwsAccess("111122223333"))
    failed = _failed(opening, collectors, RuntimeError("denied with canary-secret-value\nmore")).errors
    assert {(e.operation, e.code, e.region) for e in failed} == {("open", "UnitFailed", "global")}
    assert sorted(e.resource_type for e in failed) == ["aws.ec2.snapshot", "aws.ec2.volume", "aws.s3.bucket"]
    assert {e.message for e in failed} == {"RuntimeError: denied with ***"}
