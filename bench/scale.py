"""``python -m bench.scale``: full skyscan scans of seeded emulators behind a
latency-injecting proxy, for several sizes, measured and compared with the ideal.

For each provider and each N: a fresh emulator seeded directly (no delay), the proxy's
log emptied, one ``skyscan scan`` subprocess through the proxy, then its wall time, API
calls (the proxy's log, and the report's ``scan.stats``), calls per resource, throttles,
peak RSS (that process alone), the ideal time calls x delay / workers and the ratio
wall/ideal. Also skyscan's start-up time. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bench import aws_world, azure_world, calibrate, calls, measure, options, results
from bench.host import Host

if TYPE_CHECKING:
    from tests.faultproxy import FaultProxy


class World(Protocol):
    """An emulator process: its pid (for its CPU time) and the requests it answered."""

    pid: int

    def requests(self) -> int: ...


@dataclass(frozen=True)
class Bench:
    args: argparse.Namespace
    workdir: Path
    launcher: Host  # starts every scan (see measure.Launcher)

    def run(self, skyscan_args: Sequence[str], env: dict[str, str]) -> measure.Run:
        cached = measure.with_bytecode_cache(env, self.workdir / "pycache")
        run: measure.Run = self.launcher.call("run", list(skyscan_args), cached, self.args.timeout)
        return run


@dataclass(frozen=True)
class Scan:
    provider: str
    n: int
    resources: int
    kinds: dict[str, tuple[str, int]]  # service -> (what it reads, how many were seeded)
    args: list[str]
    env: dict[str, str]
    round_trip_s: float  # one request through the proxy, measured


def main(argv: Sequence[str] | None = None) -> int:
    args = options.build_parser(__doc__.split("\n\n")[0]).parse_args(argv)
    providers = ["aws", "azure"] if args.provider == "all" else [args.provider]
    launcher = Host("bench.measure:Launcher")  # started first, while this process is small
    try:
        with tempfile.TemporaryDirectory(prefix="skyscan-bench-") as directory:
            bench = Bench(args, Path(directory), launcher)
            startup = measure_startup(bench)
            rows: list[results.Row] = []
            for provider in providers:
                mine = RUNNERS[provider](bench)
                rows.extend(mine)
                print(f"\n{provider.upper()}: {args.delay * 1000:.0f} ms per call, {args.workers} workers")
                print(results.table(mine))
                print()
                print(results.per_resource_table(mine))
    finally:
        launcher.stop()
    print(f"\nstart-up (median of {startup.runs}): skyscan --version {startup.version_s:.2f} s, "
          f"empty AWS scan {startup.empty_scan_s:.2f} s; peak RSS of --version (the measuring floor) "
          f"{startup.version_rss_mb:.0f} MB")
    found = results.verdicts(rows, startup)
    print()
    print(results.verdict_table(found))
    if args.json is not None:
        from scanner import atomic

        doc = {"settings": {"sizes": args.sizes, "delay_s": args.delay, "workers": args.workers,
                            "providers": providers, "cpus": os.cpu_count()},
               "startup": startup.as_dict(),
               "rows": [r.as_dict() for r in rows],
               "targets": [{"target": v.target, "measured": v.measured, "met": v.met} for v in found]}
        atomic.write_text(args.json, json.dumps(doc, indent=2) + "\n")
    return 0


def run_aws(bench: Bench) -> list[results.Row]:
    from tests.faultproxy import FaultProxy

    rows = []
    delay = bench.args.delay
    with aws_world.aws_world(bench.workdir) as world, FaultProxy(world.url, delay=delay) as proxy:
        round_trip = calibrate.round_trip(proxy.url, aws_world.ROUND_TRIP_PATH)  # while moto is empty
        _say(f"aws: one request through the proxy takes {round_trip * 1000:.0f} ms")
        for n in bench.args.sizes:
            _say(f"aws N={n}: seeding")
            seeded = world.seed(n)
            kinds = {"s3": ("bucket", seeded.buckets), "ec2": ("security group", seeded.security_groups),
                     "iam": ("user", seeded.users)}
            scan = Scan("aws", n, seeded.resources, kinds, aws_world.scan_args(bench.args.workers),
                        world.scan_env(proxy.url), round_trip)
            rows.append(_measure(bench, scan, proxy, world))
    return rows


def run_azure(bench: Bench) -> list[results.Row]:
    import trustme

    from tests.faultproxy import FaultProxy

    rows = []
    world = azure_world.AzureWorld()
    try:
        with FaultProxy(world.url, delay=bench.args.delay, tls=trustme.CA(), upstream_ca=world.ca_path) as proxy:
            # the scan trusts the proxy (Resource Manager) and the server itself (sign-in)
            bundle = proxy.write_ca_bundle(bench.workdir / "azure-ca.pem", world.ca_path)
            round_trip = calibrate.round_trip(proxy.url, azure_world.ROUND_TRIP_PATH, ca_file=bundle)
            _say(f"azure: one request through the proxy takes {round_trip * 1000:.0f} ms")
            for n in bench.args.sizes:
                _say(f"azure N={n}: seeding")
                seeded = world.seed(n, next_link_base=proxy.url)
                kinds = {"storage": ("account", seeded.storage_accounts), "network": ("NSG", seeded.nsgs),
                         "keyvault": ("vault", seeded.key_vaults)}
                scan = Scan("azure", n, seeded.resources, kinds,
                            azure_world.scan_args(bench.args.workers, proxy.url, bundle), world.scan_env(),
                            round_trip)
                rows.append(_measure(bench, scan, proxy, world))
    finally:
        world.stop()
    return rows


RUNNERS: dict[str, Callable[[Bench], list[results.Row]]] = {"aws": run_aws, "azure": run_azure}


def _measure(bench: Bench, scan: Scan, proxy: FaultProxy, world: World) -> results.Row:
    name = f"{scan.provider} N={scan.n}"
    report = bench.workdir / f"{scan.provider}-{scan.n}.json"
    report.unlink(missing_ok=True)
    answered, emulator_cpu, proxy_cpu = world.requests(), measure.process_cpu(world.pid), measure.own_cpu()
    proxy.reset_log()
    _say(f"{name}: scanning {scan.resources} resources")
    run = bench.run([*scan.args, "-q", "-o", f"json={report}"], scan.env)
    emulator_cpu = measure.process_cpu(world.pid) - emulator_cpu
    proxy_cpu = measure.own_cpu() - proxy_cpu
    facts = calls.summarise(proxy.log)
    proxy.reset_log()  # 75,000 entries at N = 5,000: not kept for the next size
    answered = world.requests() - answered
    found = measure.read_report(report) if report.exists() else None
    if found is None:
        _say(f"{name}: no report (exit {run.exit_code}): {run.stderr.strip()[-500:]}")
    row = results.Row(
        provider=scan.provider, n=scan.n, resources=scan.resources, wall_s=run.wall, calls=facts.calls,
        throttles=facts.throttles, peak_rss_mb=run.peak_rss_mb, delay_s=bench.args.delay,
        workers=bench.args.workers, exit_code=run.exit_code, round_trip_s=scan.round_trip_s, scan_cpu_s=run.cpu,
        emulator_cpu_s=emulator_cpu, proxy_cpu_s=proxy_cpu, emulator_requests=answered,
        repeated_reads=facts.repeated_reads, by_operation=dict(facts.by_operation.most_common()),
        per_resource=calls.per_resource(facts.by_service, scan.kinds),
        stats_calls=found.stat("calls") if found else None,
        stats_throttles=found.stat("throttled") if found else None,
        stats_retries=found.stat("retries") if found else None,
        collect_s=found.collect_s if found else None,
        collectors=found.collectors if found else {},
        complete=found.complete if found else None,
        findings=dict(found.findings) if found else {},
        errors=dict(found.errors) if found else {},
    )
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}"
    _say(f"{name}: {run.wall:.1f} s, {facts.calls} calls, ratio {ratio}, peak RSS {run.peak_rss_mb:.0f} MB, "
         f"CPU scan {run.cpu:.0f} s / emulator {emulator_cpu:.0f} s / proxy {proxy_cpu:.0f} s, exit {run.exit_code}")
    return row


def measure_startup(bench: Bench) -> results.Startup:
    """``skyscan --version``, and a default scan of an empty moto account (no proxy)."""
    runs = bench.args.startup_runs
    version, last = measure.median_run(lambda: bench.run(["--version"], dict(os.environ)), runs)
    with aws_world.aws_world(bench.workdir) as world:
        world.seed(0)
        report = bench.workdir / "empty.json"
        scan = [*aws_world.scan_args(bench.args.workers), "-q", "-o", f"json={report}"]
        empty, _ = measure.median_run(lambda: bench.run(scan, world.scan_env(world.url)), runs)
    startup = results.Startup(version_s=version, version_rss_mb=last.peak_rss_mb, empty_scan_s=empty, runs=runs)
    _say(f"start-up: skyscan --version {version:.2f} s, empty AWS scan {empty:.2f} s (median of {runs})")
    return startup


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
