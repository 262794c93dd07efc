"""``python -m bench.org``: one organisation scanned locally and on a Dask LocalCluster.

moto (a process of its own) holds an organisation of ``--accounts`` accounts (the
management account and members), each seeded in ``--regions`` regions with a public
bucket, a security group open to SSH and a customer key per region and a console user
without MFA. Every request passes a latency proxy (``--delay``, 50 ms by default: a
distant region). The same ``skyscan scan aws --org`` then runs twice through the proxy:
in one process (``--executor local``, the default pool), and with ``--executor dask`` on
a LocalCluster of ``--workers`` worker processes. The table gives wall time, units
(account x collector pairs locally; opening units plus account x region x collector
units on the cluster), API calls the proxy forwarded, and the ratio to the local wall
time. The two reports' findings are compared too: they must be the same.

Access Analyzer and Lambda function URLs are left out (moto answers neither: every read
would be retried against a 500), as in tests/test_dask.py.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2")
LEFT_OUT = {"aws_iam_access_analyzer_enabled", "aws_lambda_function_url_public", "aws_iam_root_recent_use",
            "aws_s3_bucket_mfa_delete"}


@dataclass(frozen=True)
class Row:
    executor: str
    wall: float
    units: int
    calls: int
    exit_code: int
    findings: tuple[tuple[str, ...], ...]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.org", description=__doc__.splitlines()[0])
    p.add_argument("--accounts", type=int, default=20, help="accounts in the organisation (default 20)")
    p.add_argument("--regions", type=int, default=4, choices=range(1, len(REGIONS) + 1),
                   help=f"regions per account, from {', '.join(REGIONS)} (default 4)")
    p.add_argument("--delay", type=float, default=0.05, help="seconds added to every request (default 0.05)")
    p.add_argument("--workers", type=int, default=4, help="Dask worker processes (default 4)")
    p.add_argument("--threads", type=int, default=8, help="threads per Dask worker: units at once (default 8)")
    p.add_argument("--max-workers", type=int, default=16, help="skyscan --max-workers (default 16)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.accounts < 1 or args.workers < 1 or args.threads < 1 or args.delay < 0:
        print("bench.org: --accounts, --workers and --threads must be positive, --delay not negative",
              file=sys.stderr)
        return 2
    sys.path.insert(0, str(ROOT))
    from tests.dask_world import (
        client_factory,
        create_organisation,
        local_cluster,
        moto_process,
        seed_members,
        worker_env,
    )
    from tests.faultproxy import FaultProxy

    regions = REGIONS[: args.regions]
    with tempfile.TemporaryDirectory(prefix="skyscan-bench-org-") as tmp:
        workdir = Path(tmp)
        with moto_process(workdir) as url:
            began = time.monotonic()
            c = client_factory(url)
            members = create_organisation(c, args.accounts - 1)
            management = str(c("sts").get_caller_identity()["Account"])
            seed_members(url, [management, *members], regions, seed=seed_account)
            _say(f"seeded {args.accounts} accounts x {len(regions)} regions in {time.monotonic() - began:.1f} s")
            with FaultProxy(url, delay=args.delay) as proxy:
                local = _scan(workdir, proxy, args, regions, "local", [])
                _say(f"local: {local.wall:.1f} s")
                with local_cluster(worker_env(workdir), workers=args.workers, threads=args.threads) as cluster:
                    dask = _scan(workdir, proxy, args, regions, "dask",
                                 ["--executor", "dask", "--scheduler", cluster.scheduler_address])
                _say(f"dask: {dask.wall:.1f} s")
    print(table([local, dask], args, regions))
    if local.findings != dask.findings:
        print("bench.org: the two scans' findings differ", file=sys.stderr)
        return 1
    return 0


def seed_account(c: Any, account: str, regions: Sequence[str]) -> None:
    c("iam").create_user(UserName="console-no-mfa")
    for region in regions:
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        c("s3", region).create_bucket(Bucket=f"public-{account}-{region}", ACL="public-read", **where)
        ec2 = c("ec2", region)
        group = ec2.create_security_group(GroupName="ssh-open", Description="bench")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        c("kms", region).create_key()


def checks() -> str:
    from scanner import registry

    return ",".join(c.spec.id for c in registry.load().select(provider="aws") if c.spec.id not in LEFT_OUT)


def _scan(workdir: Path, proxy: Any, args: argparse.Namespace, regions: Sequence[str], name: str,
          extra: list[str]) -> Row:
    from tests.dask_world import driver_env

    out = workdir / f"{name}.json"
    proxy.reset_log()
    command = [sys.executable, "-m", "scanner", "scan", "aws", "--org", "--regions", ",".join(regions),
               "--endpoint-url", proxy.url, "--max-workers", str(args.max_workers), "--checks", checks(), "-q",
               "--show-passed", "-o", f"json={out}", *extra]
    env = driver_env(workdir, AWS_ACCESS_KEY_ID="driver", AWS_SECRET_ACCESS_KEY="driver")
    started = time.monotonic()
    proc = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          timeout=3600)
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"bench.org: the {name} scan failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    doc = json.loads(out.read_text())
    stats = doc["scan"]["stats"]
    # collector timings: one per (account, collector) locally, one per unit on the
    # cluster; the cluster also ran one opening unit per account
    units = len(stats["collectors"]) + (len(doc["scan"]["scopes"]) if name == "dask" else 0)
    findings = tuple(sorted((f["check_id"], f["account"], f["region"], f["resource_id"], f["status"],
                             f["fingerprint"]) for f in doc["findings"]))
    return Row(name, wall, units, len(proxy.log), proc.returncode, findings)


def table(rows: Sequence[Row], args: argparse.Namespace, regions: Sequence[str]) -> str:
    base = rows[0].wall
    lines = [
        f"{args.accounts} accounts x {len(regions)} regions, {args.delay * 1000:.0f} ms per request, "
        f"--max-workers {args.max_workers}; dask: {args.workers} worker processes x {args.threads} threads "
        f"on {os.cpu_count()} CPUs",
        "",
        "| executor | wall (s) | units | API calls | findings | exit | wall / local |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(f"| {row.executor} | {row.wall:.1f} | {row.units} | {row.calls} | {len(row.findings)} | "
                     f"{row.exit_code} | {row.wall / base:.2f} |")
    return "\n".join(lines)


def _say(message: str) -> None:
    print(f"bench.org: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
