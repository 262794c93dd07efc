"""Every collector declares the API calls it makes (``CollectorSpec.calls``), and a real
scan is held to those declarations: each operation made once per account, region or
record it is declared for, however many checks read what it returns.

* Unit: each declaration is well formed, names an AWS operation botocore's own service
  model knows (or, for Azure, a Resource Manager type with a pinned api-version), and is
  made per account, per region or per one of the collector's own record types.
* End to end: a full scan (every check) of a seeded emulator, AWS over moto in two
  regions and Azure over the test Resource Manager, in process with ``--save-snapshot``;
  the snapshot's call accounting (``stats``, filled by the SDK hooks) is compared with
  the declarations and the records the scan produced. A call no collector declares, or
  a plain declared call made more or fewer times than its unit count, fails the test.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from scanner import cli, snapshot
from scanner.collect import catalog
from scanner.collect.azure.arm import API_VERSIONS
from scanner.collect.base import ACCOUNT, REGION, Call, CollectorSpec
from tests import access_analyzer_emulator
from tests.azure_arm import ArmServer
from tests.test_scan_aws import seed_mixed_account as seed_buckets
from tests.test_scan_aws_data import seed as seed_data_services
from tests.test_scan_aws_ec2 import seed as seed_ec2
from tests.test_scan_aws_iam import seed_mixed_account as seed_iam
from tests.test_scan_aws_logging import seed as seed_logging
from tests.test_scan_azure import live_args
from tests.test_scan_azure import seed_tenant as seed_storage
from tests.test_scan_azure_services import seed as seed_azure_services

US, EU = "us-east-1", "eu-west-1"
# made by the provider contexts, not by collectors: signing in, finding regions or subscriptions
AWS_CONTEXT_CALLS = frozenset({("sts", "GetCallerIdentity"), ("ec2", "DescribeRegions")})
AZURE_CONTEXT_CALLS = frozenset({("Microsoft.Resources", "subscriptions")})
# Azure calls outside Resource Manager: the opt-in blob data plane (scanner/collect/azure/blob.py)
AZURE_DATA_PLANE = "blob"


def builtin_collectors(provider: str) -> list[CollectorSpec]:
    modules = catalog.BUILTIN_MODULES[provider]
    return [c for c in catalog.collectors(provider) if c.collect.__module__ in modules]


# declarations --------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["aws", "azure"])
def test_every_declaration_is_well_formed_and_made_per_something_the_collector_knows(provider: str) -> None:
    collectors = catalog.collectors(provider)
    assert {c.collect.__module__ for c in builtin_collectors(provider)} == set(catalog.BUILTIN_MODULES[provider])
    seen: dict[tuple[str, str], str] = {}
    for collector in collectors:
        if collector in builtin_collectors(provider):
            assert collector.calls, f"{collector.name} declares no calls"
        for call in collector.calls:
            assert call.service.strip() and call.operation.strip(), (collector.name, call)
            assert call.per in (ACCOUNT, REGION, *collector.produces), (collector.name, call)
            key = (call.service, call.operation)
            assert key not in seen, f"{key} declared by {seen[key]} and again by {collector.name}"
            seen[key] = collector.name


def test_every_aws_operation_exists_in_botocores_model_of_its_service() -> None:
    import botocore.session

    session = botocore.session.get_session()
    for collector in catalog.collectors("aws"):
        for call in collector.calls:
            assert call.service in session.get_available_services(), (collector.name, call)
            assert call.operation in session.get_service_model(call.service).operation_names, (collector.name, call)


def test_every_azure_resource_manager_call_names_a_type_with_a_pinned_api_version() -> None:
    for collector in catalog.collectors("azure"):
        for call in collector.calls:
            if call.service == AZURE_DATA_PLANE:
                continue
            assert f"{call.service}/{call.operation}" in API_VERSIONS, (collector.name, call)


# holding a scan to them -----------------------------------------------------------------


def mismatches(snap: snapshot.Snapshot, collectors: Iterable[CollectorSpec],
               context_calls: frozenset[tuple[str, str]]) -> list[str]:
    """What the scan's call accounting says against the declarations, one line each:
    undeclared calls, and plain (neither conditional nor paged) calls not made exactly
    once per unit; paged calls at least once per unit."""
    assert snap.stats is not None
    declared: dict[tuple[str, str], Call] = {(c.service, c.operation): c for col in collectors for c in col.calls}
    made: Counter[tuple[str, str, str, str]] = Counter()  # (account, region, service, operation) -> calls
    for op in snap.stats.operations:
        made[(op.account, op.region, op.service, op.operation)] += op.calls
    problems = sorted({f"undeclared: {service} {operation}" for (_, _, service, operation), n in made.items()
                       if n and (service, operation) not in declared.keys() | context_calls})
    records = Counter((r.account, r.TYPE) for r in snap.all_resources())
    for scope in snap.scopes:
        def calls_in(region: str | None, key: tuple[str, str], account: str = scope.account) -> int:
            return sum(n for (a, r, *rest), n in made.items()
                       if a == account and (region is None or r == region) and tuple(rest) == key)

        for key, call in sorted(declared.items()):
            if call.conditional:
                continue
            units: list[tuple[str | None, int]]  # (region or None for all, calls expected)
            if call.per == REGION:
                # once in each region read, not just as many in total
                units = [(region, 1) for region in scope.regions]
            else:
                units = [(None, 1 if call.per == ACCOUNT else records[(scope.account, call.per)])]
            for region, expected in units:
                n = calls_in(region, key)
                if n < expected or (n > expected and not call.pages):
                    where = f"{scope.account}/{region or 'all regions'}"
                    problems.append(f"{key[0]} {key[1]} per {call.per} in {where}: {n} calls for {expected}")
    return problems


def scan(provider: str, tmp_path: Path, *args: str) -> snapshot.Snapshot:
    # a scan that saves its snapshot reads every field (no field-level narrowing), so
    # every declared call is due, whatever its ``fills``
    saved = tmp_path / "snapshot.json"
    code = cli.main(["scan", provider, *args, "-q", "-o", f"json={tmp_path / 'report.json'}",
                     "--save-snapshot", str(saved)])
    # 3: the emulators' gaps (no credential report root row, no function URLs) leave it incomplete
    assert code in (0, 1, 3)
    return snapshot.load(saved)


def made_operations(snap: snapshot.Snapshot) -> set[tuple[str, str]]:
    assert snap.stats is not None
    return {(op.service, op.operation) for op in snap.stats.operations if op.calls}


def seed_aws(seed_client: Callable[..., Any], analyzers: access_analyzer_emulator.AccessAnalyzerEmulator) -> None:
    """Every AWS service, both regions (the end-to-end tests' seeds), plus the reads
    those seeds leave out: a user's inline policy, a cluster snapshot."""
    seed_buckets(seed_client("s3"))
    seed_ec2(seed_client)
    seed_logging(seed_client)
    seed_data_services(seed_client)
    iam = seed_client("iam")
    seed_iam(iam, analyzers)
    iam.put_user_policy(UserName="bob", PolicyName="own", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))
    rds = seed_client("rds", EU)
    rds.create_db_cluster(DBClusterIdentifier="aurora", Engine="aurora-postgresql", MasterUsername="admin",
                          MasterUserPassword="not-a-secret-2")
    rds.create_db_cluster_snapshot(DBClusterIdentifier="aurora", DBClusterSnapshotIdentifier="aurora-kept")


def test_a_full_aws_scan_makes_each_operation_as_often_as_declared(
    aws_endpoint: str, seed_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # moto builds IAM with the AWS-managed policies only when this is set at its first IAM call
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    with access_analyzer_emulator.running() as analyzers:
        seed_aws(seed_client, analyzers)
        monkeypatch.setenv("AWS_ENDPOINT_URL", aws_endpoint)
        monkeypatch.setenv("AWS_ENDPOINT_URL_ACCESSANALYZER", analyzers.url)
        snap = scan("aws", tmp_path, "--regions", f"{US},{EU}")
    collectors = builtin_collectors("aws")
    assert [(s.account, sorted(s.regions)) for s in snap.scopes] == [(snap.scopes[0].account, [EU, US])]
    assert mismatches(snap, collectors, AWS_CONTEXT_CALLS) == []
    # and the seeds exercise every declaration, so none is stale or misnamed
    declared = {(c.service, c.operation) for col in collectors for c in col.calls}
    assert declared - made_operations(snap) == set()


def test_a_full_azure_scan_makes_each_operation_as_often_as_declared(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    seed_storage(arm)
    seed_azure_services(arm)
    snap = scan("azure", tmp_path, *live_args(arm))
    assert len(snap.scopes) == 2
    collectors = builtin_collectors("azure")
    assert mismatches(snap, collectors, AZURE_CONTEXT_CALLS) == []
    resource_manager = {(c.service, c.operation) for col in collectors for c in col.calls
                        if c.service != AZURE_DATA_PLANE}
    assert resource_manager - made_operations(snap) == set()
