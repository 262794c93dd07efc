"""What each CLI command does, once its flags are parsed."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from tabulate import tabulate

from scanner import exitcodes, registry, report, runner, snapshot
from scanner.collect import catalog
from scanner.collect.base import SetupError
from scanner.collect.pool import Pool
from scanner.registry import Check, Registry, RegistryError
from scanner.report.options import RenderOptions
from scanner.snapshot import Scope, Snapshot, SnapshotError


class UsageError(Exception):
    """A flag or combination of flags that cannot be honoured."""


# Expected problems: one line on stderr, exit 2.
USAGE_ERRORS: tuple[type[Exception], ...] = (
    UsageError,
    RegistryError,
    SnapshotError,
    report.OutputError,
    runner.PlanError,
    catalog.CollectorLoadError,
    SetupError,
)


def run(args: argparse.Namespace) -> int:
    if args.command == "checks":
        return list_checks(args) if args.checks_command == "list" else explain_check(args)
    if args.command == "scan":
        return scan(args)
    if args.command == "collect":
        return collect(args)
    from scanner import demo

    return demo.run(args)


def progress(args: argparse.Namespace, message: str) -> None:
    """Short status lines for people at a terminal; silent in pipelines and with -q."""
    if not getattr(args, "quiet", False) and sys.stderr.isatty():
        print(f"skyscan: {message}", file=sys.stderr)


def select(reg: Registry, args: argparse.Namespace, providers: Sequence[str]) -> tuple[Check, ...]:
    unmatched = reg.unmatched_patterns(args.checks)
    if unmatched:
        raise UsageError(f"--checks: {unmatched[0]!r} matches no check (see skyscan checks list)")
    known_services = {c.spec.service for c in reg.checks}
    unknown = [s for s in args.services if s not in known_services]
    if unknown:
        raise UsageError(f"--services: unknown service {unknown[0]!r} (known: {', '.join(sorted(known_services))})")
    chosen = tuple(
        check
        for provider in providers
        for check in reg.select(
            provider=provider,
            patterns=args.checks,
            services=args.services,
            min_severity=args.min_severity,
            categories=args.category,
        )
    )
    if not chosen:
        raise UsageError("no check matches the selection (see skyscan checks list)")
    return chosen


def parse_outputs(specs: Sequence[str], default: Sequence[str] = ("table",)) -> list[report.Output]:
    outputs = [report.parse_output(s) for s in (specs or default)]
    report.check_outputs(outputs)
    return outputs


def collect_live(args: argparse.Namespace, checks: Sequence[Check]) -> Snapshot:
    """Plan and run the collectors the checks need, against the live provider."""
    collectors = runner.plan(checks, catalog.collectors(args.provider))
    with Pool(args.max_workers) as pool:
        units = OPENERS[args.provider](args, pool)
        names = ", ".join(c.name for c in collectors)
        scopes = ", ".join(scope.account for _, scope in units)
        progress(args, f"collecting {names} in {scopes}")
        snap = runner.collect(units, collectors)
    progress(args, f"read {sum(1 for _ in snap.all_resources())} resources, {len(snap.errors)} errors")
    return snap


def open_aws(args: argparse.Namespace, pool: Pool) -> list[tuple[Any, Scope]]:
    from scanner.collect.aws.context import AwsContext  # boto3 loads only for an AWS scan

    regions = tuple(args.regions) if args.regions else None
    context = AwsContext.open(profile=args.profile, regions=regions, endpoint_url=args.endpoint_url, pool=pool)
    return [(context, Scope("aws", context.account, regions or ()))]


# How each provider turns the CLI flags into (context, scope) units to collect.
OPENERS: dict[str, Callable[[argparse.Namespace, Pool], list[tuple[Any, Scope]]]] = {"aws": open_aws}


def scan(args: argparse.Namespace) -> int:
    if args.provider and args.snapshot:
        raise UsageError("scan takes a provider (live) or --snapshot FILE (offline), not both")
    if not (args.provider or args.snapshot):
        raise UsageError("scan needs a provider to scan live (aws) or --snapshot FILE")
    outputs = parse_outputs(args.output)
    reg = registry.load()
    started = runner.now()
    if args.snapshot:
        snap = snapshot.load(args.snapshot, catalog.record_types())
        providers = sorted({s.provider for s in snap.scopes}) or ["aws"]
        checks = select(reg, args, providers)
    else:
        checks = select(reg, args, [args.provider])
        snap = collect_live(args, checks)
        if args.save_snapshot:
            snapshot.save(snap, args.save_snapshot)
    result = runner.scan(snap, checks, started)
    options = RenderOptions(show_passed=args.show_passed)
    for output in outputs:
        report.write(result, output, options)
    return exitcodes.for_result(result, args.fail_on)


def collect(args: argparse.Namespace) -> int:
    reg = registry.load()
    checks = select(reg, args, [args.provider])
    snap = collect_live(args, checks)
    snapshot.save(snap, args.save)
    count = sum(1 for _ in snap.all_resources())
    print(f"skyscan: saved {count} resources and {len(snap.errors)} collection errors to {args.save}",
          file=sys.stderr)
    return exitcodes.INCOMPLETE if snap.errors else exitcodes.OK


def spec_doc(check: Check) -> dict[str, object]:
    spec = check.spec
    return {
        "id": spec.id,
        "title": spec.title,
        "severity": spec.severity.value,
        "provider": spec.provider,
        "service": spec.service,
        "requires": list(spec.requires),
        "categories": [c.value for c in spec.categories],
        "compliance": [
            {"framework": c.framework, "version": c.version, "control": c.control} for c in spec.compliance
        ],
        "description": spec.description,
        "remediation": spec.remediation,
        "references": list(spec.references),
        "origin": check.origin,
    }


def list_checks(args: argparse.Namespace) -> int:
    reg = registry.load()
    providers = [args.provider] if args.provider else sorted({c.spec.provider for c in reg.checks})
    checks = select(reg, args, providers)
    if args.json:
        print(json.dumps([spec_doc(c) for c in checks], indent=2))
        return exitcodes.OK
    rows = [
        (c.spec.id, c.spec.severity.value.upper(), c.spec.service, c.spec.title,
         "" if c.origin == "builtin" else c.origin)
        for c in checks
    ]
    print(tabulate(rows, headers=("Check", "Severity", "Service", "Title", "Plugin")))
    return exitcodes.OK


def explain_check(args: argparse.Namespace) -> int:
    reg = registry.load()
    check = reg.get(args.check_id)
    if check is None:
        close = difflib.get_close_matches(args.check_id, [c.spec.id for c in reg.checks], n=1)
        hint = f"; did you mean {close[0]}?" if close else " (see skyscan checks list)"
        raise UsageError(f"unknown check id {args.check_id!r}{hint}")
    compliance = ", ".join(f"{c.framework} {c.version} {c.control}" for c in check.spec.compliance)
    rows = [
        ("Id", check.spec.id),
        ("Title", check.spec.title),
        ("Severity", check.spec.severity.value),
        ("Provider / service", f"{check.spec.provider} / {check.spec.service}"),
        ("Reads", ", ".join(check.spec.requires)),
        ("Categories", ", ".join(c.value for c in check.spec.categories)),
        ("Compliance", compliance or "-"),
        ("Why", check.spec.description or "-"),
        ("Remediation", check.spec.remediation),
        ("References", "\n".join(check.spec.references) or "-"),
        ("Origin", check.origin),
    ]
    print(tabulate(rows, tablefmt="plain"))
    return exitcodes.OK
