"""The ``skyscan`` command: scan, collect, checks, diff, demo.

Every expected problem (bad flag, unreadable file, broken plugin, no credentials) ends
in one line on stderr and exit code 2; never a traceback.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from scanner import __version__, exitcodes
from scanner.model import Category, Severity


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse echoes unrecognised arguments as they are: keep them on the one line
        self.exit(exitcodes.USAGE, f"{self.prog}: error: {one_line(message)} (see {self.prog} --help)\n")


MAX_MESSAGE = 1000  # characters of an error message shown; the file and field come first


def one_line(message: str) -> str:
    """An error message as one printable line: a file name, flag value or JSON key may
    hold newlines or terminal escapes."""
    from scanner.report.text import printable

    return printable(message.strip(), MAX_MESSAGE) or "unknown error"


def _csv(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _severity(text: str) -> Severity:
    try:
        return Severity.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _percent(text: str) -> float:
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, found {text!r}") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"expected a percentage from 0 to 100, found {text!r}")
    return value


def _service_limit(text: str) -> tuple[str, int]:
    service, sep, number = text.partition("=")
    if not sep or not service.strip() or not number.strip().isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"expected SERVICE=N with N a positive whole number, found {text!r}")
    return service.strip().lower(), int(number)


def _category(text: str) -> Category:
    try:
        return Category(text.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in Category)
        raise argparse.ArgumentTypeError(f"unknown category {text!r} (expected one of: {names})") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _add_selection(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("check selection")
    g.add_argument("--checks", type=_csv, default=[], metavar="GLOB,...", help="check ids or globs, e.g. 'aws_s3_*'")
    g.add_argument("--services", type=_csv, default=[], metavar="S,...", help="only these services, e.g. s3")
    g.add_argument("--min-severity", type=_severity, metavar="SEVERITY", help="only checks at or above this severity")
    g.add_argument("--category", type=_category, action="append", default=[], metavar="NAME",
                   help=f"only checks in this category ({', '.join(c.value for c in Category)}); repeatable")


def _add_aws(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("AWS")
    g.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    g.add_argument("--regions", type=_csv, metavar="R,...", help="only these regions (default: all)")
    g.add_argument("--endpoint-url", metavar="URL",
                   help="send every AWS call here (an emulator or LocalStack); AWS_ENDPOINT_URL works too")
    g.add_argument("--max-workers", type=_positive, default=16, metavar="N",
                   help="requests in flight at once, across accounts, regions and services (default 16)")
    g.add_argument("--service-limit", type=_service_limit, action="append", metavar="SERVICE=N",
                   help="at most N requests in flight per account to SERVICE (default: iam=8); repeatable")
    g.add_argument("--role-arn", type=_role_arn, metavar="ARN",
                   help="assume this role and scan its account (with --org/--accounts: reach them through it)")
    g.add_argument("--external-id", type=_external_id, metavar="ID",
                   help="the ExternalId every role assumption sends, when the roles' trust policies require one")
    g.add_argument("--role-session-name", type=_session_name, default="skyscan", metavar="NAME",
                   help="the session name of every assumed role, seen in CloudTrail (default skyscan)")
    g.add_argument("--org", action="store_true",
                   help="scan every active account of the organisation (Organizations ListAccounts), "
                        "assuming --org-role in each")
    g.add_argument("--accounts", type=_account_ids, metavar="ID,...",
                   help="only these accounts (with --org), or these accounts by assuming --org-role in each")
    g.add_argument("--org-role", type=_role_name, metavar="NAME",
                   help="the role assumed in each account of --org/--accounts (default SkyscanAudit)")


# The shapes IAM and STS accept, checked before any call so a typo is a usage error.
_ROLE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:iam::\d{12}:role/([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$", re.ASCII)
_ROLE_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$", re.ASCII)
_SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
_ACCOUNT_ID = re.compile(r"^\d{12}$", re.ASCII)


def _matching(pattern: re.Pattern[str], expected: str, echo: bool = True) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not pattern.match(text.strip()):
            raise argparse.ArgumentTypeError(f"expected {expected}" + (f", got {text!r}" if echo else ""))
        return text.strip()

    return parse


_role_arn = _matching(_ROLE_ARN, "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
_role_name = _matching(_ROLE_NAME, "an IAM role name, maybe with a path (SkyscanAudit, audit/SkyscanAudit)")
_session_name = _matching(_SESSION_NAME, "2 to 64 characters of letters, digits and +=,.@_-")
# an external id is not a secret, but it is a shared token: never echoed
_external_id = _matching(_EXTERNAL_ID, "2 to 1224 characters of letters, digits and +=,.@:/_-", echo=False)


def _account_ids(text: str) -> list[str]:
    ids = _csv(text)
    bad = [i for i in ids if not _ACCOUNT_ID.match(i)]
    if bad or not ids:
        raise argparse.ArgumentTypeError(f"expected 12-digit AWS account ids, got {(bad or [text])[0]!r}")
    return list(dict.fromkeys(ids))


_SUBSCRIPTION_ID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


def _subscription(text: str) -> str:
    if not _SUBSCRIPTION_ID.match(text.strip()):
        raise argparse.ArgumentTypeError(f"expected a subscription id (a GUID), got {text!r}")
    return text.strip().lower()


def _add_azure(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("Azure")
    g.add_argument("--azure-auth", default="default",
                   choices=("default", "cli", "env", "client-secret", "managed-identity", "device-code"),
                   help="how to sign in (default: azure-identity's DefaultAzureCredential); client-secret reads "
                        "AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_TENANT_ID from the environment")
    g.add_argument("--tenant", metavar="ID", help="the Entra ID tenant to sign in to")
    g.add_argument("--subscription", type=_subscription, action="append", default=[], metavar="ID",
                   help="scan this subscription (repeatable; default: every subscription the identity can list)")
    g.add_argument("--azure-cloud", default="public", choices=("public", "usgov", "china"),
                   help="the cloud's Resource Manager endpoint, sign-in host and token scope (default public)")
    g.add_argument("--arm-endpoint", metavar="URL",
                   help="send Resource Manager reads here (https); SKYSCAN_ARM_ENDPOINT works too. "
                        "The sign-in host follows AZURE_AUTHORITY_HOST")
    g.add_argument("--ca-bundle", metavar="PATH",
                   help="PEM file of CAs to trust for Resource Manager and sign-in; SKYSCAN_CA_BUNDLE works too")
    g.add_argument("--blob-data-plane", action="store_true",
                   help="also read each storage account's blob endpoint (containers, service properties)")
    g.add_argument("--probe-anonymous", action="store_true",
                   help="prove or refute anonymous access: one request without credentials per container whose "
                        "settings allow it (never downloads content); implies --blob-data-plane")
    g.add_argument("--blob-endpoint", metavar="URL",
                   help="blob endpoint override, e.g. an emulator: http://127.0.0.1:10000/devstoreaccount1; "
                        "SKYSCAN_BLOB_ENDPOINT works too; implies --blob-data-plane")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most 3600, got {text!r}")
    return value


def _retries(text: str) -> int:
    if not text.strip().isdigit() or int(text) > 20:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 20, got {text!r}")
    return int(text)


def _add_reads(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reads")
    g.add_argument("--timeout", type=_seconds, default=60.0, metavar="SECONDS",
                   help="give up on an API answer after this long (per attempt; connecting: at most 10 s) "
                   "(default 60)")
    g.add_argument("--retries", type=_retries, metavar="N",
                   help="retries of a throttled or failed read after the first attempt (default: AWS 5, Azure 4)")


def _add_output(p: argparse.ArgumentParser, default_json: str | None = None) -> None:
    g = p.add_argument_group("output")
    g.add_argument("-o", "--output", action="append", default=[], metavar="FORMAT[=PATH]",
                   help="table, json, sarif, junit, csv or markdown; to stdout or PATH; repeatable (default: table)"
                   + (f"; the demo also writes json={default_json}" if default_json else ""))
    g.add_argument("--fail-on", type=_severity, metavar="SEVERITY",
                   help="exit 1 when a finding fails at or above this severity")
    g.add_argument("--min-coverage", type=_percent, metavar="PERCENT",
                   help="exit 3 only when less than PERCENT of the reads were answered (default: any lost read "
                   "a selected check needs); a check that could not run still exits 3")
    g.add_argument("--show-passed", action="store_true", help="the table lists passed findings too")
    g.add_argument("--framework", action="append", default=[], metavar="NAME",
                   help="add a per-control summary for this framework, e.g. cis-aws-4.0.1; repeatable")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")


_SCHEDULER = re.compile(r"^(tcp|tls|ws|wss)://[^\s/]+:\d{1,5}/?$", re.ASCII)
_scheduler = _matching(_SCHEDULER, "a Dask scheduler address such as tcp://10.0.0.5:8786")


def _add_executor(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("where collection runs")
    g.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: this process (default); dask: each account or subscription, region and collector "
                        "as a task on a Dask cluster, whose workers use their own credentials (docs/dask.md)")
    g.add_argument("--scheduler", type=_scheduler, metavar="tcp://HOST:PORT",
                   help="the Dask scheduler (--executor dask)")
    g.add_argument("--dask-retries", type=_retries, metavar="N",
                   help="times a failed task is run again before it becomes a collection error (default 2)")


def build_parser() -> Parser:
    parser = Parser(
        prog="skyscan",
        description="Find security misconfigurations in AWS and Azure.",
        epilog=exitcodes.HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"skyscan {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    scan = sub.add_parser("scan", help="collect and evaluate, or evaluate a saved snapshot",
                          epilog=exitcodes.HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    scan.add_argument("provider", nargs="?", choices=("aws", "azure"), help="the cloud to scan live")
    scan.add_argument("--snapshot", type=Path, metavar="FILE", help="evaluate this saved snapshot offline")
    scan.add_argument("--save-snapshot", type=Path, metavar="FILE", help="also save what was collected")
    scan.add_argument("--plan", action="store_true",
                      help="print the collectors, scopes, operations and an estimate of API calls; call nothing")
    _add_aws(scan)
    _add_azure(scan)
    _add_executor(scan)
    _add_reads(scan)
    _add_selection(scan)
    _add_output(scan)
    gate = scan.add_argument_group("mutes and baseline")
    gate.add_argument("--mute", type=Path, metavar="FILE",
                      help="YAML mute file: matching findings become MUTED (each entry has a reason, maybe an expiry)")
    gate.add_argument("--baseline", type=Path, metavar="FILE",
                      help="a JSON report of an earlier scan: marks each failing finding new or existing")
    gate.add_argument("--new-only", action="store_true",
                      help="--fail-on counts only findings new since --baseline")

    collect = sub.add_parser("collect", help="read the cloud into a snapshot file, without evaluating")
    collect.add_argument("provider", choices=("aws", "azure"))
    collect.add_argument("--save", type=Path, required=True, metavar="FILE", help="where to write the snapshot")
    collect.add_argument("-q", "--quiet", action="store_true", help="no progress messages on stderr")
    _add_aws(collect)
    _add_azure(collect)
    _add_executor(collect)
    _add_reads(collect)
    _add_selection(collect)

    checks = sub.add_parser("checks", help="list or explain the available checks")
    checks_sub = checks.add_subparsers(dest="checks_command", required=True, parser_class=Parser)
    listing = checks_sub.add_parser("list", help="list checks")
    listing.add_argument("--provider", choices=("aws", "azure"))
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.add_argument("--framework", metavar="NAME",
                         help="list this framework's controls and the checks covering them, e.g. cis-aws-4.0.1")
    _add_selection(listing)
    explain = checks_sub.add_parser("explain", help="everything about one check")
    explain.add_argument("check_id")
    perms = checks_sub.add_parser("permissions", help="the least-privilege IAM policy or Azure role for the checks")
    perms.add_argument("--provider", choices=("aws", "azure"), required=True)
    perms.add_argument("--json", action="store_true", help="also name the checks and collectors the policy is for")
    perms.add_argument("--assume-role", action="store_true", help="aws: add sts:AssumeRole (--role-arn, --accounts)")
    perms.add_argument("--org", action="store_true", help="aws: add what --org needs (ListAccounts, AssumeRole)")
    perms.add_argument("--blob-data-plane", action="store_true",
                       help="azure: add the blob endpoint reads of --blob-data-plane and --probe-anonymous")
    _add_selection(perms)

    diff = sub.add_parser("diff", help="what changed between two JSON reports (new, resolved, gone, ...)",
                          epilog=exitcodes.HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("old", type=Path, help="the earlier JSON report")
    diff.add_argument("new", type=Path, help="the later JSON report")
    diff.add_argument("-o", "--output", action="append", default=[], metavar="FORMAT[=PATH]",
                      help="table, json or markdown; to stdout or PATH; repeatable (default: table)")
    diff.add_argument("--fail-on", type=_severity, metavar="SEVERITY",
                      help="exit 1 when a new finding is at or above this severity")

    demo = sub.add_parser("demo", help="scan a bundled AWS account and Azure subscription on local emulators",
                          epilog=exitcodes.HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--provider", choices=("aws", "azure", "all"), default="all",
                      help="the demo cloud to scan (default: all, in one report)")
    _add_output(demo, default_json="skyscan-demo.json")
    return parser


def _interrupt(signum: int, frame: object) -> NoReturn:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    # SIGTERM (a CI job cancelled, a scheduler's timeout) ends a scan like Ctrl-C:
    # outputs are written only after a complete evaluation, so nothing half-written stays.
    signal.signal(signal.SIGTERM, _interrupt)
    try:  # an interrupt may come while the heavy modules load, too
        args = build_parser().parse_args(argv)
        from scanner import commands  # the heavy imports start here, after parsing
    except KeyboardInterrupt:
        return _interrupted()
    try:
        return commands.run(args)
    except commands.USAGE_ERRORS as exc:
        _die(str(exc))
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    print("skyscan: interrupted; no report was written", file=sys.stderr)
    return exitcodes.INTERRUPTED


def _die(message: str) -> NoReturn:
    print(f"skyscan: error: {one_line(message)}", file=sys.stderr)
    raise SystemExit(exitcodes.USAGE)

