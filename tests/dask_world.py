"""An emulated AWS organisation and a Dask LocalCluster, for tests/test_dask.py and
bench/org.py.

moto runs in a process of its own: an in-process server would share moto's global
state with the test session's server, which other tests empty at will. The cluster's
workers are processes with an environment of their own (``WORKER_ENV``): other keys than
the driver's, so a test can tell whose credentials travelled where.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from tests.aws_seeds import ClientFactory, account_clients, seed_ec2, seed_iam, seed_kms, seed_rds, seed_s3
from tests.conftest import TINY_AMIS

US, EU = "us-east-1", "eu-west-1"
# the workers' own keys (moto accepts any); never the driver's
WORKER_KEYS = {"AWS_ACCESS_KEY_ID": "worker-key", "AWS_SECRET_ACCESS_KEY": "worker-secret"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def moto_process(workdir: Path) -> Iterator[str]:
    """moto in server mode, in a child process on 127.0.0.1; yields its URL."""
    amis = workdir / "amis.json"
    amis.write_text(json.dumps(TINY_AMIS), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "MOTO_AMIS_PATH": str(amis)}
    log = (workdir / "moto.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"moto did not start (see {workdir / 'moto.log'})") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def client_factory(url: str, keys: dict[str, str] | None = None) -> ClientFactory:
    """Writing boto3 clients on the emulator (the test's own, not the scanner's)."""
    import boto3

    creds = keys or WORKER_KEYS
    session = boto3.Session(aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"], region_name=US)

    def make(service: str, region: str = US) -> Any:
        return session.client(service, region_name=region, endpoint_url=url)  # type: ignore[call-overload]

    return make


def create_organisation(c: ClientFactory, members: int) -> list[str]:
    """An organisation whose management account is moto's default; the members' ids."""
    org = c("organizations")
    org.create_organization(FeatureSet="ALL")
    return [org.create_account(AccountName=f"member{i}", Email=f"member{i}@example.com")["CreateAccountStatus"]
            ["AccountId"] for i in range(members)]


# the services seeded, and read by the scans of tests/test_dask.py: global (S3, IAM),
# account-wide (CloudTrail) and per-region collectors (EC2, KMS, RDS)
SERVICES = ("s3", "iam", "cloudtrail", "ec2", "kms", "rds")


def seed_account(c: ClientFactory, account: str, regions: Sequence[str]) -> None:
    """A few unsafe and safe resources of S3, EC2, IAM, KMS and RDS in each region."""
    seed_iam(c, account)
    for region in regions:
        seed_s3(c, account, region)
        seed_ec2(c, account, region, ebs_default=region == regions[0], flow_log_bucket=f"private-{account}-{region}")
        seed_kms(c, account, region)
        seed_rds(c, account, region)


def seed_members(url: str, accounts: Sequence[str], regions: Sequence[str],
                 seed: Callable[[ClientFactory, str, Sequence[str]], None] = seed_account) -> None:
    """Seed each of ``accounts`` (members of the organisation, reached by AssumeRole)."""
    c = client_factory(url)
    for account in accounts:
        seed(account_clients(c, url, account), account, regions)


def worker_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The workers' environment: their own keys, no AWS configuration files."""
    return {**WORKER_KEYS, "AWS_DEFAULT_REGION": US, "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"), **extra}


@contextlib.contextmanager
def local_cluster(env: dict[str, str], workers: int = 2, threads: int = 2) -> Iterator[Any]:
    """A LocalCluster of worker processes (each under a nanny that restarts it)."""
    import logging

    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True, dashboard_address=":0",
                           env=env, silence_logs=logging.CRITICAL)
    try:
        yield cluster
    finally:
        cluster.close()


def driver_env(workdir: Path, **extra: str) -> dict[str, str]:
    """A skyscan subprocess's environment: the process's own, minus any AWS settings,
    plus the driver's keys and ``extra``."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "SKYSCAN_"))}
    root = Path(__file__).resolve().parents[1]
    return {**keep, "PYTHONPATH": str(root), "AWS_DEFAULT_REGION": US,
            "AWS_CONFIG_FILE": str(workdir / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "no-aws-credentials"), **extra}
