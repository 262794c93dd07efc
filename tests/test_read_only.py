"""Read-only by construction, proven from the emulators' own request logs.

AWS: a complete ``skyscan scan aws`` (every service, two regions, a few seeded resources
per service, reusing the end-to-end tests' seeding) against a moto server in its own
process. moto's recorder (``/moto-api/recorder/*``) writes every request it serves
(method, URL, headers, body) to a file; it is started after seeding and stopped after
the scan, so the seeding writes are outside the window. Each recorded request is mapped
back to its (service, operation) with botocore's own service models: the JSON protocol's
``X-Amz-Target``, the query protocol's ``Action``, or the REST protocols' method and URI
template. Access Analyzer is served by the small local emulator (moto has none), which
answers only ``ListAnalyzers``. The server's access log (one line per request, lines
with ``HTTP/1.``) must count as many requests in the window as the recording holds.

Azure: the test Resource Manager server's request log, and Azurite's access log during a
``--blob-data-plane --probe-anonymous`` scan, must hold only GET and HEAD.

And per guard: a write sent through the scanner's clients is refused before any request
leaves the process (nothing reaches the emulator's log).
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from scanner.collect.aws.context import READ_ALSO, READ_ALSO_BY_SERVICE, READ_PREFIXES
from tests import access_analyzer_emulator
from tests.azure_arm import ArmServer
from tests.azurite import Azurite, azurite, azurite_server  # noqa: F401  (fixtures)
from tests.collect.test_aws_data_collectors import seed_function
from tests.conftest import DUMMY_CREDENTIALS, TINY_AMIS
from tests.reporting import load_report
from tests.test_scan_aws import seed_mixed_account as seed_buckets
from tests.test_scan_aws_data import seed as seed_data_services
from tests.test_scan_aws_ec2 import seed as seed_ec2
from tests.test_scan_aws_iam import seed_mixed_account as seed_iam
from tests.test_scan_aws_logging import seed as seed_logging
from tests.test_scan_azure_probe import seed as seed_probe

ROOT = Path(__file__).resolve().parent.parent
US, EU = "us-east-1", "eu-west-1"
# SigV4 signing name -> botocore service name, where they differ
SIGNING_NAMES = {"elasticfilesystem": "efs"}
S3_CONTROL_PATH = "/v20180820/"
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")

assert seed_function  # the data seeding needs its Lambda role helper importable


# the moto server in its own process, with its recorder and access log -----------------


@dataclass
class MotoProcess:
    url: str
    recording: Path
    log: Path
    process: subprocess.Popen[bytes]

    def api(self, action: str) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/recorder/{action}", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()

    def seed_client(self, service: str, region: str = US) -> Any:
        import boto3

        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
        return session.client(service, region_name=region, endpoint_url=self.url)  # type: ignore[call-overload]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def moto_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoProcess]:
    work = tmp_path_factory.mktemp("moto-recorded")
    amis = work / "amis.json"
    amis.write_text(json.dumps(TINY_AMIS), encoding="utf-8")
    port = _free_port()
    env = {**os.environ, **DUMMY_CREDENTIALS, "MOTO_AMIS_PATH": str(amis),
           "MOTO_IAM_LOAD_MANAGED_POLICIES": "true", "MOTO_RECORDER_FILEPATH": str(work / "recording.jsonl")}
    log = work / "moto.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                   stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=work)
    moto = MotoProcess(f"http://127.0.0.1:{port}", work / "recording.jsonl", log, process)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{moto.url}/moto-api/data.json", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("moto_server did not start: " + log.read_text()[-500:], pytrace=False)
                time.sleep(0.2)
        yield moto
    finally:
        process.terminate()
        process.wait(timeout=30)


# mapping a recorded request to its operation ------------------------------------------


@cache
def service_model(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


def _uri_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(
        (".+" if p.endswith("+}") else "[^/]+") if p.startswith("{") else re.escape(p) for p in parts
    )
    return re.compile(f"^{regex}/?$")


def rest_operation(model: Any, method: str, path: str, query: dict[str, list[str]]) -> str | None:
    """The operation whose HTTP method and URI template (path, literal query keys)
    match; the most specific template wins (S3's ``/{Bucket}?acl`` over ``/{Bucket}``)."""
    best: tuple[tuple[int, int], str] | None = None
    for name in model.operation_names:
        http = model.operation_model(name).http
        if http.get("method") != method:
            continue
        template_path, _, template_query = http["requestUri"].partition("?")
        if not _uri_pattern(template_path).match(path):
            continue
        literals = [item.partition("=") for item in template_query.split("&") if item]
        if not all(key in query and (not value or value in query[key]) for key, _, value in literals):
            continue
        score = (len(literals), len(re.sub(r"\{[^}]+\}", "", template_path)))
        if best is None or score > best[0]:
            best = (score, name)
    return best[1] if best else None


def operation_of(entry: dict[str, Any]) -> tuple[str, str]:
    """(botocore service, operation) of one request in moto's recording."""
    headers = {k.lower(): v for k, v in entry["headers"].items()}
    scope = _SCOPE.search(headers.get("authorization", ""))
    assert scope, f"an unsigned request: {entry['method']} {entry['url']}"
    parts = urlsplit(entry["url"])
    service = SIGNING_NAMES.get(scope.group(2), scope.group(2))
    if service == "s3" and parts.path.startswith(S3_CONTROL_PATH):
        service = "s3control"
    model = service_model(service)
    target = headers.get("x-amz-target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    if model.protocol in ("query", "ec2"):
        action = parse_qs(body).get("Action") or parse_qs(parts.query).get("Action")
        assert action, f"a {service} request without Action: {entry['url']}"
        return service, action[0]
    operation = rest_operation(model, entry["method"], parts.path, parse_qs(parts.query, keep_blank_values=True))
    assert operation, f"no {service} operation matches {entry['method']} {entry['url']}"
    return service, operation


# the recorded complete scan -----------------------------------------------------------


@dataclass(frozen=True)
class RecordedScan:
    operations: Counter[tuple[str, str]]  # (botocore service, operation) -> requests
    requests: int  # moto's access-log lines in the window (not the recorder's own) + Access Analyzer's
    unrouted: int  # of which moto had no route (404, never recorded): mapped by REST route
    report: dict[str, Any]


# one access-log line: 127.0.0.1 - - [date] "GET /path?query HTTP/1.1" 200 - (colours around it for errors)
_ACCESS = re.compile(r'"(?:\x1b\[[0-9;]*m)*([A-Z]+) (\S+) HTTP/1\.')  # 401s get two (red, bold)
# services whose REST routes an unrouted request (answered 404 by moto, so never
# recorded) may belong to; S3 last: its "/{Bucket}" matches nearly anything
REST_SERVICES = ("lambda", "efs", "s3control", "s3")


def _access_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "HTTP/1." in line]


def _requests_in(window: str) -> Counter[tuple[str, str]]:
    found: Counter[tuple[str, str]] = Counter()
    for line in _access_lines(window):
        match = _ACCESS.search(line)
        assert match, f"an access-log line without a request: {line!r}"
        if not match.group(2).startswith("/moto-api/"):
            found[(match.group(1), unquote(match.group(2)))] += 1
    return found


def unrouted_operation(method: str, target: str) -> tuple[str, str]:
    """A logged request moto had no route for: resolved by its REST route alone."""
    parts = urlsplit(target)
    query = parse_qs(parts.query, keep_blank_values=True)
    for service in REST_SERVICES:
        operation = rest_operation(service_model(service), method, parts.path, query)
        if operation:
            return service, operation
    raise AssertionError(f"no operation matches the unrecorded request {method} {target}")


@pytest.fixture(scope="module")
def recorded_aws_scan(moto_process: MotoProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordedScan]:
    seed = moto_process.seed_client
    with access_analyzer_emulator.running() as analyzers:
        seed_buckets(seed("s3"))
        seed_ec2(seed)
        seed_logging(seed)
        seed_data_services(seed)
        seed_iam(seed("iam"), analyzers)
        seed_rarer_reads(seed)
        moto_process.api("reset-recording")
        moto_process.api("start-recording")
        out = tmp_path_factory.mktemp("scan") / "report.json"
        env = {**os.environ, **DUMMY_CREDENTIALS, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": moto_process.url,
               "AWS_ENDPOINT_URL_ACCESSANALYZER": analyzers.url,
               "AWS_CONFIG_FILE": str(out.parent / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(out.parent / "none")}
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ROLE_ARN"):
            env.pop(name, None)
        proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--regions", f"{US},{EU}",
                               "-o", f"json={out}", "-q"], text=True, capture_output=True, cwd=ROOT, env=env,
                              timeout=600)
        moto_process.api("stop-recording")
        assert proc.returncode in (0, 1, 3) and "Traceback" not in proc.stderr, proc.stderr
        analyzer_requests = sum(analyzers.requests.values())
    entries = [json.loads(line) for line in moto_process.recording.read_text().splitlines() if line.strip()]
    operations = Counter(operation_of(entry) for entry in entries)
    log = moto_process.log.read_text(errors="replace")
    # the lines after the one starting the recording, before the one stopping it
    start = log.index("\n", log.rindex("/moto-api/recorder/start-recording")) + 1
    logged = _requests_in(log[start:log.rindex("\n", 0, log.rindex("/moto-api/recorder/stop-recording"))])
    recorded: Counter[tuple[str, str]] = Counter()
    for entry in entries:
        parts = urlsplit(entry["url"])
        recorded[(entry["method"], unquote(parts.path + (f"?{parts.query}" if parts.query else "")))] += 1
    assert recorded - logged == Counter()  # every recorded request is in the access log
    unrouted = logged - recorded
    for (method, target), count in unrouted.items():
        operations[unrouted_operation(method, target)] += count
    if analyzer_requests:  # the emulator answers GET /analyzer only: ListAnalyzers
        operations[("accessanalyzer", "ListAnalyzers")] += analyzer_requests
    requests = sum(logged.values()) + analyzer_requests
    yield RecordedScan(operations, requests, sum(unrouted.values()), load_report(out))


def seed_rarer_reads(seed: Callable[..., Any]) -> None:
    """What the end-to-end seeds lack for every declared read to be exercised: an Aurora
    cluster snapshot (its attributes), a user's inline policy."""
    seed("iam").put_user_policy(UserName="bob", PolicyName="own", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
    rds = seed("rds", EU)
    rds.create_db_cluster(DBClusterIdentifier="aurora", Engine="aurora-postgresql", MasterUsername="admin",
                          MasterUserPassword="not-a-secret-2")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="aurora", DBClusterSnapshotIdentifier="aurora-kept")


def is_read(service: str, operation: str) -> bool:
    return operation.startswith(READ_PREFIXES) or operation in READ_ALSO | READ_ALSO_BY_SERVICE.get(
        service, frozenset())


def test_a_complete_aws_scan_sends_only_read_operations(recorded_aws_scan: RecordedScan) -> None:
    scan = recorded_aws_scan
    # the scan really covered every service in both regions
    services = {service for service, _ in scan.operations}
    assert services >= {"sts", "s3", "s3control", "ec2", "iam", "accessanalyzer", "kms", "cloudtrail", "config",
                        "rds", "efs", "sqs", "sns", "lambda"}, services
    assert {f["region"] for f in scan.report["findings"]} >= {US, EU, "global"}
    assert scan.operations.total() == scan.requests > 100
    writes = sorted(op for op in scan.operations if not is_read(*op))
    assert writes == []
    # the one documented non-read name is there, so the rule above was exercised
    assert scan.operations[("iam", "GenerateCredentialReport")] >= 1


def test_seeding_writes_are_outside_the_recorded_window(recorded_aws_scan: RecordedScan) -> None:
    # the seeding created buckets, keys, trails, ...: none of it may be in the window
    for write in (("s3", "CreateBucket"), ("kms", "CreateKey"), ("cloudtrail", "CreateTrail"), ("iam", "CreateUser")):
        assert recorded_aws_scan.operations[write] == 0


def test_the_request_mapping_recognises_writes() -> None:
    """The mapping is what the read-only verdict rests on: it must name writes too."""
    auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{}/aws4_request, SignedHeaders=host"
    put_acl = {"method": "PUT", "url": "http://127.0.0.1:1/open-acl?acl", "headers": {"Authorization": auth.format(
        "s3")}, "body": ""}
    create_key = {"method": "POST", "url": "http://127.0.0.1:1/", "body": "{}", "headers": {
        "Authorization": auth.format("kms"), "X-Amz-Target": "TrentService.CreateKey"}}
    body = base64.b64encode(b"Action=CreateSecurityGroup&Version=2016-11-15").decode()
    create_group = {"method": "POST", "url": "http://127.0.0.1:1/", "body": body, "body_encoded": True,
                    "headers": {"Authorization": auth.format("ec2")}}
    account_block = {"method": "PUT", "url": "http://127.0.0.1:1/v20180820/configuration/publicAccessBlock",
                     "headers": {"Authorization": auth.format("s3")}, "body": ""}
    found = [operation_of(e) for e in (put_acl, create_key, create_group, account_block)]
    assert found == [("s3", "PutBucketAcl"), ("kms", "CreateKey"), ("ec2", "CreateSecurityGroup"),
                     ("s3control", "PutPublicAccessBlock")]
    assert not any(is_read(*op) for op in found)


# the guards refuse writes before anything is sent --------------------------------------


def test_the_aws_guard_refuses_a_write_before_it_reaches_the_emulator(moto_process: MotoProcess) -> None:
    from scanner.collect.aws.context import AwsContext, WriteOperationRefused
    from scanner.collect.pool import Pool

    moto_process.seed_client("s3").create_bucket(Bucket="guarded")
    with pytest.MonkeyPatch.context() as mp, Pool(2) as pool:
        for name, value in DUMMY_CREDENTIALS.items():
            mp.setenv(name, value)
        ctx = AwsContext.open(profile=None, regions=(US,), endpoint_url=moto_process.url, pool=pool)
        client = ctx.client("s3", US)
        moto_process.api("reset-recording")
        moto_process.api("start-recording")
        try:
            before = len(_access_lines(moto_process.log.read_text(errors="replace")))
            with pytest.raises(WriteOperationRefused):
                client.put_bucket_acl(Bucket="guarded", ACL="public-read")
            client.get_bucket_acl(Bucket="guarded")  # a read goes through, and is logged
            time.sleep(0.2)  # the access log is written after the answer
            after = _access_lines(moto_process.log.read_text(errors="replace"))[before:]
        finally:
            moto_process.api("stop-recording")
    entries = [json.loads(line) for line in moto_process.recording.read_text().splitlines() if line.strip()]
    assert [operation_of(e) for e in entries] == [("s3", "GetBucketAcl")]
    assert [line for line in after if "/moto-api/" not in line and "PUT" in line] == []
    grants = moto_process.seed_client("s3").get_bucket_acl(Bucket="guarded")["Grants"]
    assert all("AllUsers" not in json.dumps(g) for g in grants)


def test_the_arm_guard_refuses_a_put_before_it_reaches_the_server(
    arm: ArmServer, open_azure: Callable[..., list[Any]]
) -> None:
    from azure.core.rest import HttpRequest

    from scanner.collect.azure.arm import WriteRefused

    sub = "0000dddd-0000-0000-0000-000000000004"
    arm.model.add_subscription(sub, "guarded")
    (ctx,) = open_azure((sub,))
    path = f"/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/x"
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        request = HttpRequest(method, f"{arm.url}{path}", params={"api-version": "2023-05-01"}, json={})
        with pytest.raises(WriteRefused):
            ctx.reader.client.send_request(request)
    listed = list(ctx.reader.list("/subscriptions", "2022-12-01"))  # a read goes through, and is logged
    assert [item["subscriptionId"] for item in listed] == [sub]
    assert arm.methods() == {"GET"}
    assert arm.calls()[path] == 0


# Azure: the complete scan from the servers' own logs ------------------------------------


def settled(az: Azurite) -> int:
    """How many lines Azurite has written, once its output stops growing (a thread
    pumps it, a little behind the requests)."""
    count = -1
    while count != len(az.output):
        count = len(az.output)
        time.sleep(0.5)
    return count


def test_a_complete_azure_scan_with_the_data_plane_sends_only_gets(
    arm: ArmServer, azure_env: dict[str, str], azurite: Azurite, tmp_path: Path  # noqa: F811
) -> None:
    from tests.test_scan_azure import live_args, run_skyscan
    from tests.test_scan_azure_services import seed as seed_services

    seed_probe(arm, azurite)
    seed_services(arm)
    seen = settled(azurite)
    out = tmp_path / "azure.json"
    env = {**azure_env, "SKYSCAN_BLOB_SHARED_KEY": azurite.key}
    proc = run_skyscan(arm, env, "scan", "azure", *live_args(arm), "--probe-anonymous",
                       "--blob-endpoint", azurite.account_url, "-o", f"json={out}")
    assert proc.returncode in (0, 1, 3) and "Traceback" not in proc.stderr, proc.stderr
    doc = load_report(out)
    assert {f["resource_type"] for f in doc["findings"]} >= {
        "azure.storage.account", "azure.storage.container", "azure.network.nsg", "azure.keyvault.vault"}
    # Resource Manager: only GETs (the sign-in's token POSTs go to the Entra paths, not logged)
    assert arm.methods() == {"GET"} and sum(arm.calls().values()) > 10
    # Azurite's access log: one line per request, method in quotes
    requests = [line for line in azurite.output[seen:settled(azurite)] if "HTTP/1." in line]
    methods = Counter(re.search(r'"([A-Z]+) ', line).group(1) for line in requests)  # type: ignore[union-attr]
    assert methods and set(methods) <= {"GET", "HEAD"}, methods
    assert methods["HEAD"] >= 1  # the blob-level probe (Get Blob Properties) was made
