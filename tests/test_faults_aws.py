"""The fault suite, AWS side: ``skyscan scan aws`` through the fault proxy.

One small world per test process: a moto server of its own (a subprocess, so no other
test's reset can empty it), two accounts (the caller's and a member reached with
--accounts), two regions, buckets, security groups, volumes, IAM users and roles, KMS
keys. A clean scan through the proxy is the reference; every faulted scan is compared
with it:

* the command ends (exit 3, or 0 when retries absorbed every fault), with no traceback,
  and its JSON report validates against the shipped schema;
* every collection error matches a fault the proxy injected (operation, account,
  region, and the class of its code), and every call that never got an answer is a
  collection error;
* no false PASS: a PASS is a PASS in the clean scan too, a FAIL is a FAIL there, no
  finding of the clean scan disappears without an ERROR standing in for it, and the
  findings whose input was lost are ERROR.

Faults of different kinds aimed at different targets share one scan where their
targets cannot overlap: each scan costs seconds, and the assertions still tie each
error to its own fault.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import traceback
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests import aws_seeds
from tests.conftest import DUMMY_CREDENTIALS, HIDDEN_AWS_VARIABLES, MOTO_ACCOUNT, TINY_AMIS
from tests.faultproxy import Entry, FaultProxy, Rule
from tests.reporting import load_report

US, EU = "us-east-1", "eu-west-1"
MEMBER = "210987654321"
CHECKS = ",".join((
    "aws_s3_bucket_*", "aws_s3_account_block_public_access", "aws_ec2_security_group_*", "aws_ec2_volume_encrypted",
    "aws_iam_user_console_mfa", "aws_iam_policy_no_full_admin", "aws_kms_key_*",
))
ACCOUNT_WIDE = {"aws.s3.bucket"}  # listed once per account, whatever the region
TIMEOUT = 3.0  # --timeout: a held request is given up after this long
HOLD = 5.0  # how long the proxy holds a "timeout" request (longer than TIMEOUT)


# the class of a collection error's code, and the classes each fault kind may produce ---

def error_class(code: str) -> str:
    if code == "Throttled":
        return "throttled"
    if code in {"ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidAuthenticationTokenTokenExpired"}:
        return "expired"
    if code.startswith("AccessDenied") or code in {"UnauthorizedOperation", "AuthorizationFailed"}:
        return "denied"
    if code == "Timeout":
        return "timeout"
    if code == "ConnectionError":
        return "connection"
    if code in {"MalformedResponse", "MalformedPolicy"}:
        return "malformed"
    if code in {"InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable", "InternalServerError",
                "500", "503", "HTTP500", "HTTP503"}:
        return "server"
    return f"other:{code}"


FAULT_CLASSES: dict[str, set[str]] = {
    "throttle": {"throttled"},
    "server_error": {"server"},
    "reset": {"connection"},
    "timeout": {"timeout"},
    "access_denied": {"denied"},
    # botocore itself turns an S3 200 whose XML does not parse into a 500
    "malformed": {"malformed", "server"},
    "truncated": {"malformed", "server"},
    "expired_token": {"expired"},
}


# the world -------------------------------------------------------------------------


@dataclass
class Run:
    code: int
    stderr: str
    doc: dict[str, Any] = field(repr=False)
    log: list[Entry] = field(repr=False)
    seconds: float
    false_pass: int = 0  # counted before the assertion that there are none

    def findings(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {(f["check_id"], f["resource_id"]): f for f in self.doc["findings"]}


@dataclass
class World:
    url: str
    work: Path
    clean: Run | None = None
    ran: list[Run] = field(default_factory=list, repr=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    work = tmp_path_factory.mktemp("faults-aws")
    amis = work / "amis.json"
    amis.write_text(json.dumps(TINY_AMIS), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, **DUMMY_CREDENTIALS, "MOTO_AMIS_PATH": str(amis)}
    with (work / "moto.log").open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start", pytrace=False)
                time.sleep(0.1)
        with aws_environment():
            _seed(url)
        world = World(url, work)
        yield world
        write_figures("aws", world.ran)
    finally:
        process.terminate()
        process.wait(timeout=30)


def write_figures(provider: str, runs: Sequence[Run]) -> None:
    """With SKYSCAN_FAULT_FIGURES=FILE, one JSON line per test process and provider:
    scans run and completed (exit 0 or 3 with a valid report), faults injected by kind,
    false PASS findings (docs/faults.md gathers them)."""
    target = os.environ.get("SKYSCAN_FAULT_FIGURES")
    if not target:
        return
    faults: dict[str, int] = {}
    for run in runs:
        for entry in run.log:
            if entry.fault is not None:
                faults[entry.fault] = faults.get(entry.fault, 0) + 1
    line = {"provider": provider, "scans": len(runs),
            "completed": sum(1 for r in runs if r.code in (0, 3) and r.doc),
            "usage_errors": sum(1 for r in runs if r.code == 2), "faults": faults,
            "false_pass": sum(r.false_pass for r in runs),
            "errors_reported": sum(len(r.doc.get("errors", [])) for r in runs)}
    with open(target, "a", encoding="utf-8") as sink:
        sink.write(json.dumps(line, sort_keys=True) + "\n")


@contextlib.contextmanager
def aws_environment() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name in HIDDEN_AWS_VARIABLES:
            mp.delenv(name, raising=False)
        for name, value in DUMMY_CREDENTIALS.items():
            mp.setenv(name, value)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield


def _seed(url: str) -> None:
    import boto3

    session = boto3.Session()

    def own(service: str, region: str = US) -> Any:
        return session.client(service, region_name=region, endpoint_url=url)  # type: ignore[call-overload]

    aws_seeds.seed_s3(own, MOTO_ACCOUNT, US)
    aws_seeds.seed_iam(own, MOTO_ACCOUNT)
    aws_seeds.seed_kms(own, MOTO_ACCOUNT, EU)
    aws_seeds.seed_ec2(own, MOTO_ACCOUNT, EU, ebs_default=False, flow_log_bucket=f"private-{MOTO_ACCOUNT}-{US}")
    member = aws_seeds.account_clients(own, url, MEMBER)
    aws_seeds.seed_s3(member, MEMBER, EU)
    aws_seeds.seed_kms(member, MEMBER, US)
    # moto loads a service's code on its first request: S3 Control's first answer
    # would otherwise come slower than --timeout
    control = own("s3control")
    host = urlsplit(url).netloc
    control.meta.events.register("before-sign.s3-control.*", lambda request, **_: setattr(
        request, "url", request.url.replace(f"{MOTO_ACCOUNT}.{host}", host)))
    with contextlib.suppress(control.exceptions.NoSuchPublicAccessBlockConfiguration):
        control.get_public_access_block(AccountId=MOTO_ACCOUNT)


def run_scan(world: World, rules: Sequence[Rule] = (), *, retries: int = 0, extra: Sequence[str] = ()) -> Run:
    """Persistent faults need no retries (0, the default here); storms pass some."""
    """The real CLI, in-process, through a fresh proxy holding ``rules``."""
    out = world.work / f"report-{len(world.ran)}.json"
    stderr = io.StringIO()
    argv = ["scan", "aws", "--endpoint-url", "", "--regions", f"{US},{EU}", "--checks", CHECKS,
            "--accounts", f"{MOTO_ACCOUNT},{MEMBER}", "--timeout", str(TIMEOUT), "--retries", str(retries),
            "--max-workers", "16", "-o", f"json={out}", *extra]
    from scanner import cli

    with FaultProxy(world.url) as proxy, aws_environment(), contextlib.redirect_stderr(stderr):
        for rule in rules:
            proxy.add(rule)
        argv[3] = proxy.url
        began = time.monotonic()
        try:
            code = cli.main(argv)
        except SystemExit as exc:
            code = int(exc.code or 0)
        except BaseException:  # a crash: keep its traceback for the assertion
            stderr.write(traceback.format_exc())
            code = -1
        seconds = time.monotonic() - began
    assert "Traceback" not in stderr.getvalue(), stderr.getvalue()
    doc = load_report(out) if out.exists() else {}
    run = Run(code, stderr.getvalue(), doc, proxy.log, seconds)
    world.ran.append(run)
    return run


@pytest.fixture(scope="module")
def clean(world: World) -> Run:
    run = run_scan(world, retries=2)
    assert run.code == 0, run.doc.get("errors")
    assert [e for e in run.log if e.status is None or e.status >= 500] == []
    return run


# what the proxy says was lost --------------------------------------------------------


def lost_calls(log: Sequence[Entry]) -> list[Entry]:
    """The last faulted attempt of each call that never got a proper answer (a
    later attempt of the same call with a 2xx or an ordinary 4xx absorbs it)."""
    answered: dict[str, float] = {}
    for entry in log:
        if entry.fault is None and entry.status is not None and entry.status < 500:
            answered[entry.key] = max(answered.get(entry.key, 0.0), entry.at)
    last: dict[str, Entry] = {}
    for entry in log:
        if entry.fault is not None and entry.at > answered.get(entry.key, -1.0):
            seen = last.get(entry.key)
            if seen is None or entry.at >= seen.at:
                last[entry.key] = entry
    return sorted(last.values(), key=lambda e: e.seq)


# Calls whose failures one error reports: the credential report is generated, then
# read; when both fail, the error names the cause (the generation).
REPORTED_TOGETHER = {"GetCredentialReport": "GenerateCredentialReport"}


def _same_place(error: dict[str, Any], entry: Entry) -> bool:
    return (error["operation"] in (entry.operation, REPORTED_TOGETHER.get(entry.operation))
            and (entry.account is None or error["account"] == entry.account)
            and (error["region"] == "global" or entry.region is None or error["region"] == entry.region))


Place = Callable[[dict[str, Any], Entry], bool]  # does this collection error name this call?


def _served_from_an_existing_report(entry: Entry, log: Sequence[Entry]) -> bool:
    """A credential report that could not be (re)generated is no loss when the report IAM
    still holds was read afterwards: IAM answers ReportExpired rather than serve an
    expired report, and reuses a recent one on generation anyway."""
    return entry.operation == "GenerateCredentialReport" and any(
        e.operation == "GetCredentialReport" and e.account == entry.account and e.fault is None
        and e.status is not None and e.status < 300 and e.at > entry.at for e in log)


def assert_errors_match_faults(run: Run, clean: Run, same_place: Place = _same_place) -> list[dict[str, Any]]:
    """Every new collection error is a fault the proxy injected, of the right class;
    every call that was never answered is a collection error. Returns the new errors."""
    known = {json.dumps(e, sort_keys=True) for e in clean.doc["errors"]}
    new = [e for e in run.doc["errors"] if json.dumps(e, sort_keys=True) not in known]
    lost = lost_calls(run.log)
    # a busy machine can be slower than --timeout by itself: such a call, as the proxy
    # timed it, explains a Timeout error as well as an injected one
    slow = [replace(e, fault="timeout") for e in run.log if e.fault is None and e.seconds >= TIMEOUT * 0.9]
    injected = [e for e in run.log if e.fault is not None] + slow
    for error in new:
        assert error["code"] != "CollectorFailed", error  # a collector crashed
        matches = [e for e in injected if same_place(error, e)
                   and error_class(error["code"]) in FAULT_CLASSES[e.fault or ""]]
        faults = sorted({(e.operation, e.fault) for e in injected})
        assert matches, f"an error no fault explains: {error} (injected: {faults})"
    for entry in lost:
        if _served_from_an_existing_report(entry, run.log):
            continue
        matches = [e for e in new if same_place(e, entry)
                   and error_class(e["code"]) in FAULT_CLASSES[entry.fault or ""]]
        assert matches, f"a lost call reported nowhere: {entry} (errors: {[(e['operation'], e['code']) for e in new]})"
    return new


def assert_no_false_pass(run: Run, clean: Run, must_error: Callable[[dict[str, Any]], bool]) -> None:
    """PASS only where the clean scan says PASS, FAIL only where it says FAIL; every
    clean finding still there or stood in for by a scope ERROR; ``must_error`` findings
    (their input was lost) ERROR, or FAIL where the clean scan fails them too."""
    before, after = clean.findings(), run.findings()
    run.false_pass = sum(1 for key, f in after.items() if f["status"] == "PASS"
                         and (key not in before or before[key]["status"] != "PASS"))
    for key, finding in after.items():
        if finding["status"] in ("PASS", "FAIL"):
            assert key in before and before[key]["status"] == finding["status"], ("false verdict", finding)
    scope_errors = {(f["check_id"], f["account"], f["region"]) for f in after.values()
                    if f["status"] == "ERROR" and f["resource_id"].endswith(":*")}
    for key, finding in before.items():
        if key not in after:
            check, account = finding["check_id"], finding["account"]
            # S3 lists every region's buckets in one call: its scope errors name the home region
            regions = {finding["region"], "global"} | ({US} if finding["resource_type"] in ACCOUNT_WIDE else set())
            assert any((check, account, r) in scope_errors for r in regions), ("finding vanished", finding)
            continue
        if must_error(finding):
            status = after[key]["status"]
            assert status == "ERROR" or (status == "FAIL" == finding["status"]), ("read lost, verdict kept", after[key])


def check_run(run: Run, clean: Run, must_error: Callable[[dict[str, Any]], bool] = lambda f: False,
              absorbed_ok: bool = False, same_place: Place = _same_place) -> list[dict[str, Any]]:
    assert run.doc, run.stderr
    new = assert_errors_match_faults(run, clean, same_place)
    if not lost_calls(run.log):
        assert absorbed_ok, "the faults never cost a read: the test aimed at nothing"
    # incomplete (exit 3) exactly when a lost read is data a selected check needs; a
    # lost read nobody needs (EC2 images for security group checks) is listed, no more
    needed = required_types({f["check_id"] for f in clean.doc["findings"]})
    relevant = [e for e in new if e["resource_type"] in needed]
    assert run.doc["scan"]["complete"] is not bool(relevant), relevant[:3]
    assert run.code == (3 if relevant else 0), (run.code, run.stderr)
    assert_no_false_pass(run, clean, must_error)
    return new


def required_types(check_ids: set[str]) -> set[str]:
    from scanner import registry

    return {t for check in registry.load().checks if check.spec.id in check_ids for t in check.spec.requires}


# (a) one operation: each kind at its own operation, all in one scan ---------------------

# operation -> checks whose findings on the resource it reads must then be ERROR
OPERATION_CHECKS: dict[str, set[str]] = {
    "GetBucketVersioning": {"aws_s3_bucket_versioning", "aws_s3_bucket_mfa_delete"},
    "GetBucketEncryption": {"aws_s3_bucket_default_encryption"},
    "GetBucketLogging": {"aws_s3_bucket_access_logging"},
    "GetBucketPolicy": {"aws_s3_bucket_policy_public", "aws_s3_bucket_secure_transport"},
    "GetKeyRotationStatus": {"aws_kms_key_rotation_enabled"},
    "GetKeyPolicy": {"aws_kms_key_policy_public"},
    "DescribeVolumes": {"aws_ec2_volume_encrypted"},
    "ListKeys": {"aws_kms_key_rotation_enabled", "aws_kms_key_policy_public"},
    "DescribeSecurityGroups": {"aws_ec2_security_group_admin_ports_open", "aws_ec2_security_group_all_ports_open",
                               "aws_ec2_security_group_database_ports_open"},
    "ListUsers": {"aws_iam_user_console_mfa"},
    "ListMFADevices": {"aws_iam_user_console_mfa"},
}

BY_OPERATION = {
    "throttle": "DescribeSecurityGroups",
    "server_error": "GetKeyRotationStatus",
    "reset": "GetBucketVersioning",
    "timeout": "GetBucketLogging",
    "access_denied": "GetBucketEncryption",
    "malformed": "GetKeyPolicy",
    "truncated": "GetBucketPolicy",
    "expired_token": "ListMFADevices",
}


def resource_of(entry: Entry) -> str | None:
    """The one resource a call reads, as the end of its findings' resource id: the
    bucket of an S3 path, the KeyId of a KMS request, the user of an IAM one. None for
    listings (they read a whole account or region)."""
    if entry.service == "s3":
        name = entry.path.split("?", 1)[0].strip("/").split("/", 1)[0]
        return f"arn:aws:s3:::{name}" if name else None
    if entry.service == "kms" and entry.body:
        key = json.loads(entry.body).get("KeyId")
        return str(key) if key else None
    if entry.service == "iam" and entry.body:
        user = parse_qs(entry.body.decode()).get("UserName")
        return f":user/{user[0]}" if user else None
    return None


def lost_input(lost: Sequence[Entry]) -> Callable[[dict[str, Any]], bool]:
    """Findings whose input one of ``lost`` was: the checks OPERATION_CHECKS names for
    its operation, on the resource it reads, or in its account and region."""
    def hit(finding: dict[str, Any]) -> bool:
        for entry in lost:
            if finding["check_id"] not in OPERATION_CHECKS.get(entry.operation, set()):
                continue
            if finding["account"] != entry.account:
                continue
            resource = resource_of(entry)
            if resource is not None:
                if finding["resource_id"] == resource or finding["resource_id"].endswith(resource):
                    return True
            elif finding["region"] in (entry.region, "global"):
                return True
        return False

    return hit


def test_one_operation_per_kind(world: World, clean: Run) -> None:
    rules = [Rule(kind, operation=op, seconds=HOLD) for kind, op in BY_OPERATION.items()]
    run = run_scan(world, rules)
    lost = lost_calls(run.log)
    check_run(run, clean, lost_input(lost))
    # every kind struck and cost the read it struck
    assert {e.fault for e in lost} == set(BY_OPERATION), run.log
    assert {(e.fault, e.operation) for e in lost} == set(BY_OPERATION.items())


def test_every_operation_a_scan_makes_can_be_lost(world: World, clean: Run) -> None:
    """Denied, one operation after the other (in one scan each operation's calls are
    all denied; a stride over the list keeps the suite short): no operation's loss
    is silent or crashes a collector."""
    operations = sorted({e.operation for e in clean.log} - {"GetCallerIdentity", "AssumeRole"})
    chosen = operations[::3]
    run = run_scan(world, [Rule("access_denied", operation=re.compile("^(" + "|".join(chosen) + ")$"))])
    check_run(run, clean, lost_input(lost_calls(run.log)))
    # an operation that needs an earlier one's answer (per-key reads after DescribeKey) may not be called
    called = {e.operation for e in run.log}
    assert {e.operation for e in lost_calls(run.log)} == set(chosen) & called
    assert len(set(chosen) & called) >= len(chosen) - 3


# (b) one service, (c) one region, (d) one account -------------------------------------
#
# Two costs shape the aims. A call throttled for ever costs more than its own attempts:
# botocore's adaptive retry mode then paces its whole client down to 0.5 requests a
# second. And the IAM collector reads its listings one after the other, as the S3
# collector reads each bucket's settings, so each held call there adds a whole
# --timeout. Throttling and timeouts aimed at a region or an account therefore strike
# its KMS (and for timeouts EC2) calls; the error path is the same for every service.

SERVICE_ROUNDS = [
    {"throttle": "kms", "server_error": "ec2", "reset": "iam", "timeout": "s3"},
    {"access_denied": "kms", "malformed": "ec2", "truncated": "iam", "expired_token": "s3"},
]
SERVICE_CHECKS = {"kms": "aws_kms_", "ec2": "aws_ec2_", "iam": "aws_iam_", "s3": "aws_s3_"}
KIND_PAIRS = [("throttle", "access_denied"), ("server_error", "malformed"), ("reset", "truncated"),
              ("timeout", "expired_token")]
# without GetCallerIdentity and AssumeRole no scan starts (tested apart)
EVERY_SERVICE_BUT_STS = re.compile("^(?!sts$)")
NARROWED = {"throttle": re.compile("^kms$"), "timeout": re.compile("^(kms|ec2)$")}


def aimed(kind: str, services: re.Pattern[str] = EVERY_SERVICE_BUT_STS, **target: Any) -> Rule:
    narrowed = NARROWED.get(kind)
    if narrowed is not None:
        services = re.compile(f"(?={narrowed.pattern}){services.pattern}")
    return Rule(kind, service=services, seconds=HOLD, **target)


def struck_checks(kind: str, checks: str = "aws_") -> Callable[[dict[str, Any]], bool]:
    """The findings a kind aimed at a region or account must turn to ERROR there."""
    prefixes = {"throttle": ("aws_kms_",), "timeout": ("aws_kms_", "aws_ec2_")}.get(kind, (checks,))
    return lambda finding: finding["check_id"].startswith(prefixes)


@pytest.mark.parametrize("round_", SERVICE_ROUNDS, ids=lambda r: "-".join(r))
def test_one_service_per_kind(world: World, clean: Run, round_: dict[str, str]) -> None:
    run = run_scan(world, [Rule(kind, service=service, seconds=HOLD) for kind, service in round_.items()])
    struck = {e.service for e in lost_calls(run.log)}
    # "truncated" strikes only answers with a body: every IAM read has one
    assert struck == set(round_.values())

    def whole_service(finding: dict[str, Any]) -> bool:
        return any(finding["check_id"].startswith(SERVICE_CHECKS[s]) for s in struck)

    check_run(run, clean, whole_service)


@pytest.mark.parametrize("kinds", KIND_PAIRS, ids="-".join)
def test_one_region(world: World, clean: Run, kinds: tuple[str, str]) -> None:
    """The first kind in eu-west-1; the second in us-east-1 for EC2 and KMS only (IAM,
    STS and the S3 listing are signed for us-east-1 too: left alone)."""
    run = run_scan(world, [aimed(kinds[0], re.compile("^(ec2|kms|s3)$"), region=EU),
                           aimed(kinds[1], re.compile("^(ec2|kms)$"), region=US)])
    assert {e.region for e in lost_calls(run.log)} == {EU, US}
    in_eu = struck_checks(kinds[0])
    check_run(run, clean, lambda f: f["region"] == EU and in_eu(f))


@pytest.mark.parametrize("kinds", KIND_PAIRS, ids="-".join)
def test_one_account(world: World, clean: Run, kinds: tuple[str, str]) -> None:
    """The first kind strikes every read of the member account, the second every read
    of the caller's own account (but the sign-in calls)."""
    run = run_scan(world, [aimed(kinds[0], account=MEMBER), aimed(kinds[1], account=MOTO_ACCOUNT)])
    assert {e.account for e in lost_calls(run.log)} == {MEMBER, MOTO_ACCOUNT}
    struck = {MEMBER: struck_checks(kinds[0]), MOTO_ACCOUNT: struck_checks(kinds[1])}
    check_run(run, clean, lambda f: struck[f["account"]](f))


# (e) a throttling storm, (f) credentials that expire mid-scan ---------------------------


def test_throttling_storm_is_absorbed_or_reported(world: World, clean: Run) -> None:
    # the identity probe is left alone: without it there is no scan (exit 2, tested below)
    storm = Rule("throttle", rate=0.08, operation=re.compile("^(?!GetCallerIdentity$)"))
    run = run_scan(world, [storm], retries=3)
    assert storm.fired >= 4
    check_run(run, clean, lost_input(lost_calls(run.log)), absorbed_ok=True)
    if run.code == 0:
        assert run.findings() == clean.findings() or {
            k: f["status"] for k, f in run.findings().items()} == {k: f["status"] for k, f in clean.findings().items()}


def test_storm_of_every_other_retryable_kind(world: World, clean: Run) -> None:
    rules = [Rule(kind, rate=0.06, operation=re.compile("^(?!GetCallerIdentity$)"), seconds=HOLD)
             for kind in ("server_error", "reset", "timeout")]
    run = run_scan(world, rules, retries=2)
    assert sum(r.fired for r in rules) >= 6
    check_run(run, clean, lost_input(lost_calls(run.log)), absorbed_ok=True)


def test_credentials_expire_mid_scan(world: World, clean: Run) -> None:
    halfway = len(clean.log) // 2
    rule = Rule("expired_token", after=halfway)
    run = run_scan(world, [rule])
    lost = lost_calls(run.log)
    # how many reads follow the expiry depends on scheduling: listings that fail
    # first leave no per-resource reads to lose; a good share is lost either way
    assert len(lost) >= len(clean.log) // 8
    check_run(run, clean, lost_input(lost))


def test_no_identity_is_a_usage_error_not_a_crash(world: World, clean: Run) -> None:
    run = run_scan(world, [Rule("throttle", operation="GetCallerIdentity")])
    assert run.code == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "STS" in run.stderr


@pytest.mark.parametrize("flag", [("--timeout", "0"), ("--timeout", "soon"), ("--retries", "-1"),
                                  ("--retries", "99")], ids="=".join)
def test_bad_read_limits_are_usage_errors(flag: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from scanner import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["collect", "aws", "--save", os.devnull, *flag])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert flag[0] in err and len(err.strip().splitlines()) == 1
