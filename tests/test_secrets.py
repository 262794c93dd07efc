"""Credentials never leave: canary values planted in the AWS credentials of a scan must
not appear in any report, snapshot, stdout or stderr — on success or on failure."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.azure_arm import ArmServer
from tests.test_scan_aws import seed_mixed_account

ROOT = Path(__file__).resolve().parent.parent
KEY_ID = "AKIACANARY7Q2X9Z4W1B"
SECRET = "canary-secret-5f1e9c0a7b3d42e8a6c1"
TOKEN = "canary-session-token-8d2b6e4f1a9c37"
FORMATS = ("json", "sarif", "junit", "csv", "markdown")


def scan(endpoint: str, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": KEY_ID,
           "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    files = [tmp_path / f"report.{fmt}" for fmt in FORMATS] + [tmp_path / "snap.json"]
    outputs = [arg for fmt, path in zip(FORMATS, files, strict=False) for arg in ("-o", f"{fmt}={path}")]
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--services", "s3", *outputs,
                           "--save-snapshot", str(files[-1]), *extra],
                          text=True, capture_output=True, cwd=ROOT, env=env, timeout=300)
    return proc, files


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in (SECRET, TOKEN, KEY_ID, KEY_ID[-8:]):
            assert canary not in text


def test_credentials_appear_in_no_output(aws_endpoint: str, s3_seed: Any, tmp_path: Path) -> None:
    seed_mixed_account(s3_seed)
    proc, files = scan(aws_endpoint, tmp_path, "-o", "table")
    assert proc.returncode == 0, proc.stderr
    assert all(f.exists() for f in files)
    assert_no_canary(proc.stdout, proc.stderr, *(f.read_text() for f in files))


def test_credentials_appear_in_no_error_message(tmp_path: Path) -> None:
    # nothing listens on this port: the scan fails while holding the canary credentials
    proc, files = scan("http://127.0.0.1:9", tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert not any(f.exists() for f in files)
    assert_no_canary(proc.stdout, proc.stderr)


# What counts as a secret. Never in any output, on any path: credentials given to skyscan
# (AWS keys and session tokens, AZURE_CLIENT_SECRET, SKYSCAN_BLOB_SHARED_KEY, a SAS token
# or user info in an endpoint URL) and secret values stored in the cloud (Key Vault secret
# values, App Service app settings and connection strings, storage account keys), which
# skyscan does not even read. Configuration is not secret and is reported as read:
# resource names, tags, bucket, queue and key policies, endpoints without query strings.

CONFIG = "config-canary-tag-2b8d"  # a tag and a policy condition value: configuration, reported


def test_configuration_is_reported_while_credentials_are_not(aws_endpoint: str, s3_seed: Any,
                                                              tmp_path: Path) -> None:
    s3_seed.create_bucket(Bucket="tagged")
    s3_seed.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": [{"Key": "note", "Value": CONFIG}]})
    s3_seed.put_bucket_policy(Bucket="tagged", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::tagged/*",
        "Condition": {"StringNotEquals": {"aws:PrincipalTag/team": CONFIG}}}]}))
    proc, files = scan(aws_endpoint, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert CONFIG in files[-1].read_text()  # the snapshot keeps the tag and the policy as read
    assert_no_canary(proc.stdout, proc.stderr, *(f.read_text() for f in files))


# Azure: the local Resource Manager and Entra authority, with canary values planted where
# a careless collector would find them ---------------------------------------------------

AZ_SECRET = "canary-azure-client-secret-3e7b91d0c4f2"
WRONG_SECRET = "canary-wrong-client-secret-d81c6a2e"
APP_SETTING = "canary-app-setting-value-71c2a9"
CONNECTION = "Server=tcp:db;Password=canary-connection-string-9a44f0;"
VAULT_SECRET = "canary-key-vault-secret-value-0f3d5e"
ACCOUNT_KEY = base64.b64encode(b"canary-storage-account-key-55e1" * 2).decode()
SAS_SIGNATURE = "canary-sas-signature-b7e2c4"
URL_PASSWORD = "canary-url-password-6f19ab"
AZURE_CANARIES = (AZ_SECRET, WRONG_SECRET, APP_SETTING, "canary-connection-string-9a44f0", VAULT_SECRET,
                  ACCOUNT_KEY, ACCOUNT_KEY[:24], SAS_SIGNATURE, URL_PASSWORD)
SUBSCRIPTION = "0000dddd-0000-0000-0000-000000000004"
# reads that would fetch a secret value; skyscan must send none of them
SECRET_READS = re.compile(r"/(listKeys|config/appsettings|config/connectionstrings|secrets/[^/]+$)", re.IGNORECASE)


@pytest.fixture(scope="module")
def canary_arm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmServer]:
    """A Resource Manager whose application secret is itself a canary, holding secret values."""
    arm = ArmServer(tmp_path_factory.mktemp("canary-arm"), client_secret=AZ_SECRET).start()
    try:
        yield arm
    finally:
        arm.stop()


@pytest.fixture
def seeded_arm(canary_arm: ArmServer) -> ArmServer:
    canary_arm.reset()
    model = canary_arm.model
    model.add_subscription(SUBSCRIPTION, "canaries")
    settings = {"appSettings": [{"name": "DB_PASSWORD", "value": APP_SETTING}],
                "connectionStrings": [{"name": "db", "connectionString": CONNECTION, "type": "SQLAzure"}]}
    site = model.add_web_app(SUBSCRIPTION, "canary-site", {"httpsOnly": True, "siteConfig": settings},
                             {"minTlsVersion": "1.2", "ftpsState": "Disabled", **settings})
    model.put(f"{site}/config/appsettings", {"properties": {"DB_PASSWORD": APP_SETTING}})
    model.put(f"{site}/config/connectionstrings", {"properties": {"db": {"value": CONNECTION}}})
    vault = model.add_key_vault(SUBSCRIPTION, "canary-kv", {"enablePurgeProtection": True},
                                secrets={"db-password": {"enabled": True, "exp": 1893456000}})
    for item in model.collection(f"{vault}/secrets"):  # a listing that (wrongly) carries the value
        item["properties"]["value"] = VAULT_SECRET
    model.put(f"{vault}/secrets/db-password", {"properties": {"value": VAULT_SECRET}})
    account = model.add_storage_account(SUBSCRIPTION, "canarystore", tags={"note": CONFIG},
                                        properties={"primaryEndpoints": {"blob": "https://canarystore.example/"}})
    model.put(f"{account}/listKeys", {"keys": [{"keyName": "key1", "value": ACCOUNT_KEY, "permissions": "FULL"}]})
    return canary_arm


def azure_scan(arm: ArmServer, tmp_path: Path, *extra: str, secret: str = AZ_SECRET,
               env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess[str], list[Path]]:
    """A client-secret scan of the canary subscription writing every output; the
    Resource Manager is ``--arm-endpoint`` unless ``env`` names SKYSCAN_ARM_ENDPOINT."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "SKYSCAN_"))}
    run_env = {**clean, "PYTHONPATH": str(ROOT), "AZURE_AUTHORITY_HOST": arm.url, "AZURE_TENANT_ID": arm.tenant,
               "AZURE_CLIENT_ID": arm.client_id, "AZURE_CLIENT_SECRET": secret, **(env or {})}
    files = [tmp_path / f"report.{fmt}" for fmt in FORMATS] + [tmp_path / "snap.json"]
    outputs = [arg for fmt, path in zip(FORMATS, files, strict=False) for arg in ("-o", f"{fmt}={path}")]
    arm_flag = [] if "SKYSCAN_ARM_ENDPOINT" in run_env else ["--arm-endpoint", arm.url]
    proc = subprocess.run([sys.executable, "-m", "scanner", "scan", "azure", "--azure-auth", "client-secret",
                           *arm_flag, "--ca-bundle", str(arm.ca_path), "--subscription", SUBSCRIPTION,
                           *outputs, "-o", "table", "--save-snapshot", str(files[-1]), *extra],
                          text=True, capture_output=True, cwd=ROOT, env=run_env, timeout=300)
    return proc, files


def assert_no_azure_canary(*texts: str) -> None:
    for text in texts:
        for canary in AZURE_CANARIES:
            assert canary not in text, canary


def test_azure_secrets_are_neither_read_nor_printed(seeded_arm: ArmServer, tmp_path: Path) -> None:
    proc, files = azure_scan(seeded_arm, tmp_path)
    assert proc.returncode in (0, 1, 3), proc.stderr
    assert all(f.exists() for f in files)
    assert_no_azure_canary(proc.stdout, proc.stderr, *(f.read_text() for f in files))
    assert CONFIG in files[-1].read_text()  # tags are configuration
    paths = [path for _, path in seeded_arm.requests]
    assert paths and not [p for p in paths if SECRET_READS.search(p)]
    assert seeded_arm.methods() == {"GET"}  # no listKeys POST, no list-secrets POST


@pytest.mark.parametrize(("extra", "env", "secret"), [
    pytest.param((), {}, WRONG_SECRET, id="failed-sign-in"),
    pytest.param(("--blob-endpoint", f"https://127.0.0.1:9/devstoreaccount1?sv=2022-11-02&sig={SAS_SIGNATURE}"), {},
                 AZ_SECRET, id="sas-in-blob-endpoint-flag"),
    pytest.param(("--blob-data-plane",),
                 {"SKYSCAN_BLOB_ENDPOINT": f"https://127.0.0.1:9/devstoreaccount1?sv=2022-11-02&sig={SAS_SIGNATURE}"},
                 AZ_SECRET, id="sas-in-blob-endpoint-variable"),
    pytest.param(("--blob-endpoint", f"https://skyscan:{URL_PASSWORD}@127.0.0.1:9/devstoreaccount1"), {},
                 AZ_SECRET, id="password-in-blob-endpoint"),
    pytest.param(("--blob-data-plane",), {"SKYSCAN_BLOB_SHARED_KEY": ACCOUNT_KEY}, AZ_SECRET,
                 id="shared-key-without-endpoint"),
    pytest.param(("--blob-endpoint", "http://127.0.0.1:9/devstoreaccount1"),
                 {"SKYSCAN_BLOB_SHARED_KEY": f"{ACCOUNT_KEY}!"}, AZ_SECRET, id="shared-key-not-base64"),
    pytest.param((), {"SKYSCAN_ARM_ENDPOINT": f"http://skyscan:{URL_PASSWORD}@127.0.0.1:9/?sig={SAS_SIGNATURE}"},
                 AZ_SECRET, id="credentials-in-arm-endpoint"),
])
def test_azure_secrets_appear_in_no_error_message(seeded_arm: ArmServer, tmp_path: Path, extra: tuple[str, ...],
                                                  env: dict[str, str], secret: str) -> None:
    proc, files = azure_scan(seeded_arm, tmp_path, *extra, secret=secret, env=env)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not any(f.exists() for f in files)
    assert_no_azure_canary(proc.stdout, proc.stderr)


EXTERNAL_ID = "canary-external-id-4c0e7a19"


@pytest.mark.parametrize("external_id", [EXTERNAL_ID, f"{EXTERNAL_ID} with spaces"], ids=["accepted", "malformed"])
def test_external_id_appears_in_no_output(aws_endpoint: str, s3_seed: Any, tmp_path: Path, external_id: str) -> None:
    # a shared token between the auditor and each audited account: not a credential, never echoed either
    s3_seed.create_bucket(Bucket="audited")
    proc, files = scan(aws_endpoint, tmp_path, "--role-arn", "arn:aws:iam::123456789012:role/SkyscanAudit",
                       "--external-id", external_id)
    assert proc.returncode == (0 if external_id == EXTERNAL_ID else 2), proc.stderr
    outputs = [f.read_text() for f in files if f.exists()]
    assert len(outputs) == (len(files) if external_id == EXTERNAL_ID else 0)
    for text in (proc.stdout, proc.stderr, *outputs):
        assert EXTERNAL_ID not in text
