"""What each CLI command does, once its flags are parsed."""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from scanner import atomic, baseline, compliance, diff, exitcodes, flags, mute, registry, report, runner, snapshot
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
    mute.MuteFileError,
    baseline.ReportFileError,
)


def run(args: argparse.Namespace) -> int:
    if args.command == "checks":
        if args.checks_command == "permissions":
            return print_permissions(args)
        return list_checks(args) if args.checks_command == "list" else explain_check(args)
    if args.command == "scan":
        return scan(args)
    if args.command == "collect":
        return collect(args)
    if args.command == "diff":
        return diff_reports(args)
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


def collect_live(
    args: argparse.Namespace, checks: Sequence[Check], fields: dict[str, frozenset[str]] | None = None
) -> Snapshot:
    """Plan and run the collectors the checks need, against the live provider;
    ``fields`` (``runner.fields_needed``) narrows the reads to what the checks read."""
    collectors = runner.plan(checks, catalog.collectors(args.provider))
    if getattr(args, "executor", "local") == "dask":
        from scanner.executors import dask_cluster  # Dask loads only when chosen

        return dask_cluster.collect(args, collectors, fields, lambda message: progress(args, message))
    from scanner.progress import CollectionProgress, shown

    with Pool(args.max_workers, service_limits(args)) as pool:
        units = OPENERS[args.provider](args, pool)
        names = ", ".join(c.name for c in collectors)
        scopes = ", ".join(scope.account for _, scope in units)
        progress(args, f"collecting {names} in {scopes}")
        with CollectionProgress(len(units) * len(collectors), pool.calls, enabled=shown(args.quiet)) as bar:
            snap = runner.collect(units, collectors, pool, on_done=bar.done, wanted=fields)
    stats = snap.stats
    calls = f", {stats.total('calls')} API calls, {stats.total('throttled')} throttled" if stats else ""
    progress(args, f"read {sum(1 for _ in snap.all_resources())} resources, {len(snap.errors)} errors{calls}")
    return snap


def open_aws(args: argparse.Namespace, pool: Pool) -> list[tuple[Any, Scope]]:
    """One unit per account: the credentials' own, the --role-arn account, or each
    account of --org / --accounts (an account that cannot be opened is a unit too)."""
    options = flags.aws_account_options(args)
    from scanner.collect.aws import accounts as aws_accounts  # boto3 loads only for an AWS scan
    from scanner.collect.aws.context import AwsContext

    regions = tuple(args.regions) if args.regions else None
    timeout, retries = flags.read_limits(args)
    context = AwsContext.open(profile=args.profile, regions=regions, endpoint_url=args.endpoint_url, pool=pool,
                              timeout=timeout, **({} if retries is None else {"max_attempts": retries}))
    return list(aws_accounts.open_accounts(context, options))


def open_azure(args: argparse.Namespace, pool: Pool) -> list[tuple[Any, Scope]]:
    """One unit per subscription in scope; the regions are the locations seen."""
    from scanner.collect.azure.arm import ArmOptions
    from scanner.collect.azure.context import open_contexts  # the Azure SDKs load only for an Azure scan

    settings = flags.azure_settings(args)
    timeout, retries = flags.read_limits(args)
    arm = ArmOptions.limited(timeout, retries, pool.max_workers)
    request = flags.blob_request(args)  # the blob data plane is opt-in
    if request is None:
        contexts = open_contexts(settings, pool, options=arm)
        return [(context, Scope("azure", context.subscription_id, ())) for context in contexts]
    from scanner.collect.azure import blob
    from scanner.collect.azure.identity import build_credential

    endpoint, probe = request
    credential = build_credential(settings)  # one sign-in, shared by Resource Manager and the data plane
    plane = blob.plane_from_options(credential, endpoint=endpoint, probe=probe, ca_bundle=settings.ca_bundle)
    plane = blob.limited(plane, timeout, retries)
    contexts = blob.with_data_plane(open_contexts(settings, pool, options=arm, credential=credential), plane)
    return [(context, Scope("azure", context.subscription_id, ())) for context in contexts]


# How each provider turns the CLI flags into (context, scope) units to collect.
OPENERS: dict[str, Callable[[argparse.Namespace, Pool], list[tuple[Any, Scope]]]] = {
    "aws": open_aws,
    "azure": open_azure,
}


@dataclass(frozen=True)
class ScanSetup:
    """What a scan reads and decides before any cloud call: a bad flag or file stops it
    with nothing written."""

    outputs: list[report.Output]
    frameworks: tuple[compliance.Catalogue, ...]
    mutes: mute.MuteFile | None
    prior: baseline.PriorReport | None
    new_only: bool
    registry: Registry
    started: str


def prepare_scan(args: argparse.Namespace) -> ScanSetup:
    outputs = parse_outputs(args.output)
    frameworks = load_frameworks(getattr(args, "framework", []))
    # the demo builds its own namespace without these flags
    mute_path, baseline_path = getattr(args, "mute", None), getattr(args, "baseline", None)
    new_only = getattr(args, "new_only", False)
    if new_only and baseline_path is None:
        raise UsageError("--new-only needs --baseline FILE (the report that says what is not new)")
    # read both before any cloud call: a bad file stops the run with nothing written
    mutes = mute.load(mute_path) if mute_path is not None else None
    prior = baseline.read_report(baseline_path) if baseline_path is not None else None
    return ScanSetup(outputs, frameworks, mutes, prior, new_only, registry.load(), runner.now())


def evaluate_and_report(args: argparse.Namespace, setup: ScanSetup, snap: Snapshot, checks: Sequence[Check]) -> int:
    """Evaluate a collected snapshot (one provider or several), write every output, and
    return the exit code."""
    result = runner.scan(snap, checks, setup.started, mutes=setup.mutes, baseline=setup.prior)
    options = RenderOptions(show_passed=args.show_passed, frameworks=setup.frameworks)
    for output in setup.outputs:
        report.write(result, output, options)
    return exitcodes.for_result(result, args.fail_on, setup.new_only, getattr(args, "min_coverage", None))


def scan(args: argparse.Namespace) -> int:
    if args.provider and args.snapshot:
        raise UsageError("scan takes a provider (live) or --snapshot FILE (offline), not both")
    if not (args.provider or args.snapshot):
        raise UsageError("scan needs a provider to scan live (aws or azure) or --snapshot FILE")
    if getattr(args, "plan", False):
        return print_plan(args)
    setup = prepare_scan(args)
    if args.snapshot:
        snap = snapshot.load(args.snapshot, catalog.record_types())
        providers = sorted({s.provider for s in snap.scopes}) or ["aws"]
        checks = select(setup.registry, args, providers)
    else:
        checks = select(setup.registry, args, [args.provider])
        # read only the fields the selected checks read (tags too when mutes select by
        # them); a snapshot being saved for later evaluation is read whole
        tags = ("tags",) if setup.mutes is not None and any(r.tags for r in setup.mutes.rules) else ()
        snap = collect_live(args, checks, None if args.save_snapshot else runner.fields_needed(checks, tags))
        if args.save_snapshot:
            snapshot.save(snap, args.save_snapshot)
    return evaluate_and_report(args, setup, snap, checks)


def print_plan(args: argparse.Namespace) -> int:
    """``scan PROVIDER --plan``: the collectors, scopes and calls, without calling."""
    from scanner import planning

    if not args.provider:
        raise UsageError("--plan needs a provider (aws or azure): a snapshot scan makes no call")
    checks = select(registry.load(), args, [args.provider])
    collectors = runner.plan(checks, catalog.collectors(args.provider))
    scope = PLAN_SCOPES[args.provider](args)
    limits = Pool(args.max_workers, service_limits(args)).service_limits
    fields = runner.fields_needed(checks)
    sys.stdout.write(planning.render([c.spec.id for c in checks], collectors, scope, args.max_workers, limits, fields))
    return exitcodes.OK


def _aws_plan_scope(args: argparse.Namespace) -> Any:
    from botocore.session import Session

    from scanner.collect.base import Call
    from scanner.planning import PlanScope

    if args.accounts:
        accounts: int | None = len(args.accounts)
        text = f"{accounts} (--accounts), each through the role {args.org_role or 'SkyscanAudit'}"
    elif args.org:
        accounts, text = None, "every active member of the organisation, listed at scan time (1 ListAccounts call)"
    elif args.role_arn:
        accounts, text = 1, f"the account of {args.role_arn}"
    else:
        accounts, text = 1, "the account of the credentials"
    context = [Call("sts", "GetCallerIdentity")]
    if args.regions:
        regions, regions_text = len(args.regions), ", ".join(args.regions)
    else:
        regions = len(Session().get_available_regions("ec2")) or 1
        regions_text = f"every enabled region, discovered at scan time (up to {regions} in the aws partition)"
        context.append(Call("ec2", "DescribeRegions"))
    return PlanScope(accounts, text, regions, regions_text, tuple(context))


def _azure_plan_scope(args: argparse.Namespace) -> Any:
    from scanner.collect.base import Call
    from scanner.planning import PlanScope

    if args.subscription:
        return PlanScope(len(args.subscription), f"{len(args.subscription)} subscriptions (--subscription)", 1,
                         "Resource Manager is global", global_service=True)
    return PlanScope(None, "every subscription the identity can see, listed at scan time", 1,
                     "Resource Manager is global", (Call("Microsoft.Resources", "subscriptions"),), True)


PLAN_SCOPES: dict[str, Callable[[argparse.Namespace], Any]] = {"aws": _aws_plan_scope, "azure": _azure_plan_scope}


def service_limits(args: argparse.Namespace) -> dict[str, int] | None:
    """--service-limit SERVICE=N flags over the defaults (None: the defaults alone)."""
    given = getattr(args, "service_limit", None) or []
    if not given:
        return None
    from scanner.collect.pool import DEFAULT_SERVICE_LIMITS

    return {**DEFAULT_SERVICE_LIMITS, **dict(given)}


def diff_reports(args: argparse.Namespace) -> int:
    outputs = [_diff_output(text) for text in (args.output or ["table"])]
    report.check_outputs(outputs)
    old = baseline.read_report(args.old, full=True)
    new = baseline.read_report(args.new, full=True)
    changes = diff.compare(old, new)
    for output in outputs:
        text = diff.RENDERERS[output.format](changes)
        if output.path is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            atomic.write_text(output.path, text)
    return exitcodes.for_diff(changes, args.fail_on)


def _diff_output(text: str) -> report.Output:
    """``-o FORMAT[=PATH]`` for diff: its own formats, the same path rules as scan."""
    fmt, sep, raw_path = text.partition("=")
    fmt = fmt.strip().lower()
    if fmt not in diff.RENDERERS:
        raise UsageError(f"-o {text}: unknown format {fmt!r} (expected one of: {', '.join(diff.RENDERERS)})")
    if not sep or raw_path in ("", "-"):
        return report.Output(fmt, None)
    path = Path(raw_path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not directory.is_dir() or not os.access(directory, os.W_OK):
        raise UsageError(f"-o {text}: {path} cannot be written (a directory, or no writable directory)")
    return report.Output(fmt, path)


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
    if getattr(args, "framework", None):
        return list_framework(reg, args, providers)
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


def print_permissions(args: argparse.Namespace) -> int:
    """The least-privilege IAM policy or Azure custom role for the selected checks:
    what the collectors they plan declare, nothing written per check."""
    from scanner import permissions

    checks = select(registry.load(), args, [args.provider])
    collectors = runner.plan(checks, catalog.collectors(args.provider))
    doc = permissions.document(args.provider, collectors, assume_role=args.assume_role, org=args.org,
                               blob_data_plane=args.blob_data_plane)
    if args.json:
        doc = {"provider": args.provider, "checks": [c.spec.id for c in checks],
               "collectors": [c.name for c in collectors], "document": doc}
    print(json.dumps(doc, indent=2))
    return exitcodes.OK


def load_frameworks(names: Sequence[str]) -> tuple[compliance.Catalogue, ...]:
    """The catalogues named by --framework; a wrong name is a usage error."""
    try:
        return tuple(compliance.load(name) for name in names)
    except compliance.UnknownFrameworkError as exc:
        raise UsageError(f"--framework: {exc}") from None


def list_framework(reg: Registry, args: argparse.Namespace, providers: Sequence[str]) -> int:
    """A framework's controls with the selected checks that cover them."""
    (catalogue,) = load_frameworks([args.framework])  # before selection: a wrong name is the first error
    checks = select(reg, args, providers)
    cov = compliance.coverage(catalogue, [c.spec for c in checks])
    for problem in cov.problems:
        print(f"skyscan: warning: {problem}", file=sys.stderr)
    print(json.dumps(cov.as_dict(), indent=2) if args.json else compliance.render_table(cov))
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
