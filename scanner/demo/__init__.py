"""``skyscan demo``: a real scan with no cloud account.

Starts local emulators in this process, on 127.0.0.1 only: moto for an AWS account
(``aws.py``, seeded from ``aws.json``) and an HTTPS Resource Manager + Entra authority
for an Azure subscription (``azure.py``, seeded from ``azure.json``). Each cloud is then
collected by the ordinary live path (real SDK clients over HTTP), the snapshots are
merged, and one evaluation writes one table and one report covering both.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from scanner import commands, snapshot
from scanner.demo import aws, azure
from scanner.demo.cloud import DemoCloud
from scanner.registry import Check

DEFAULT_JSON = "skyscan-demo.json"
CLOUDS: dict[str, Callable[[ExitStack, dict[str, Any]], DemoCloud]] = {"aws": aws.start, "azure": azure.start}


def run(args: argparse.Namespace) -> int:
    outputs = args.output or ["table", f"json={DEFAULT_JSON}"]
    chosen = list(CLOUDS) if getattr(args, "provider", "all") in (None, "all") else [args.provider]
    # the scan's own namespace: outputs, frameworks, --fail-on and --show-passed as `scan` reads them
    scan_args = argparse.Namespace(output=outputs, framework=args.framework, fail_on=args.fail_on,
                                   show_passed=args.show_passed, quiet=args.quiet)
    setup = commands.prepare_scan(scan_args)  # refuse a bad -o or --framework before starting anything
    common: dict[str, Any] = {"max_workers": 8, "checks": [], "min_severity": None, "category": [],
                              "quiet": args.quiet}
    with ExitStack() as stack:
        clouds = [CLOUDS[name](stack, common) for name in chosen]
        for cloud in clouds:
            print(f"skyscan demo: {cloud.summary}", file=sys.stderr)
        print("skyscan demo: scanning with the real collectors...\n", file=sys.stderr)
        snapshots: list[snapshot.Snapshot] = []
        checks: list[Check] = []
        for cloud in clouds:
            selected = commands.select(setup.registry, cloud.args, [cloud.provider])
            snapshots.append(commands.collect_live(cloud.args, selected))
            checks.extend(selected)
        code = commands.evaluate_and_report(scan_args, setup, snapshot.merge(*snapshots), checks)
    written = [o.partition("=")[2] for o in outputs if "=" in o and o.partition("=")[2] not in ("", "-")]
    if written:
        print(f"\nskyscan demo: wrote {', '.join(written)}", file=sys.stderr)
    return code
