"""End to end: ``python -m scanner scan azure --probe-anonymous --blob-endpoint ...``, with
the local HTTPS Resource Manager describing the account and Azurite serving its blobs."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.azure_arm import ArmServer
from tests.azurite import Azurite, azurite, azurite_server  # noqa: F401  (fixtures)
from tests.reporting import load_report
from tests.test_scan_azure import live_args, run_skyscan

SUB = "0000cccc-0000-0000-0000-000000000003"
CHECK = "azure_storage_container_public_access"


def seed(arm: ArmServer, az: Azurite) -> str:
    with az.service() as service:
        for name, level in (("site", "container"), ("downloads", "blob"), ("internal", None), ("stale", None)):
            service.create_container(name, public_access=level).upload_blob("index.html", b"<p>hi</p>")
    arm.model.add_subscription(SUB, "web")
    # the real endpoint of the account would be https://devstoreaccount1.blob.core.windows.net;
    # --blob-endpoint sends the data plane to Azurite instead
    return arm.model.add_storage_account(
        SUB, az.account, properties={"creationTime": "2021-05-01T00:00:00Z", "allowBlobPublicAccess": True,
                                     "primaryEndpoints": {"blob": f"https://{az.account}.blob.core.windows.net/"}},
        containers={"site": "Container", "downloads": "Blob", "internal": "None", "stale": "Container"},
    )


def test_probe_proves_and_refutes_exposure_end_to_end(
    arm: ArmServer, azure_env: dict[str, str], azurite: Azurite, tmp_path: Path  # noqa: F811
) -> None:
    account_id = seed(arm, azurite)
    out = tmp_path / "probe.json"
    env = {**azure_env, "SKYSCAN_BLOB_SHARED_KEY": azurite.key}
    proc = run_skyscan(arm, env, "scan", "azure", *live_args(arm), "--checks", CHECK, "--probe-anonymous",
                       "--blob-endpoint", azurite.account_url, "--fail-on", "critical", "-o", f"json={out}",
                       "-o", "table")
    assert proc.returncode == 1, proc.stderr
    assert azurite.key not in proc.stdout + proc.stderr + out.read_text()
    doc = load_report(out)
    assert doc["errors"] == [] and doc["scan"]["complete"] is True
    found = {f["resource_id"].rsplit("/", 1)[-1]: f for f in doc["findings"] if f["check_id"] == CHECK}
    assert set(found) == {"site", "downloads", "internal", "stale"}
    assert all(f["resource_id"].startswith(account_id) for f in found.values())

    site = found["site"]
    assert (site["status"], site["severity"]) == ("FAIL", "critical")
    assert site["details"]["anonymous_probe"]["http_status"] == 200
    assert (site["details"]["anonymous_probe"]["probe"], site["details"]["anonymous_probe"]["outcome"]) == (
        "anonymous-list", "proven")
    downloads = found["downloads"]["details"]["anonymous_probe"]
    assert (found["downloads"]["severity"], downloads["probe"], downloads["http_status"], downloads["outcome"]) == (
        "high", "anonymous-blob-properties", 200, "proven")
    # Resource Manager says Container, the endpoint refuses anonymous requests: refuted, kept as low
    stale = found["stale"]
    assert (stale["status"], stale["severity"]) == ("FAIL", "low")
    assert (stale["details"]["anonymous_probe"]["http_status"], stale["details"]["anonymous_probe"]["error_code"],
            stale["details"]["anonymous_probe"]["outcome"]) == (403, "AuthorizationFailure", "refuted")
    internal = found["internal"]
    assert internal["status"] == "PASS" and "anonymous_probe" not in internal["details"]
    # the proven-exposed container ranks first
    assert doc["findings"][0]["resource_id"] == site["resource_id"]
    assert arm.methods() == {"GET"}


def test_without_the_probe_the_verdict_rests_on_settings(
    arm: ArmServer, azure_env: dict[str, str], azurite: Azurite, tmp_path: Path  # noqa: F811
) -> None:
    seed(arm, azurite)
    out = tmp_path / "plain.json"
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--checks", CHECK, "-o", f"json={out}")
    assert proc.returncode == 0, proc.stderr
    found = {f["resource_id"].rsplit("/", 1)[-1]: f for f in load_report(out)["findings"]}
    assert found["stale"]["severity"] == "critical"  # what the settings say, with no evidence either way
    assert all("anonymous_probe" not in f["details"] for f in found.values())


def test_unreachable_blob_endpoint_makes_the_scan_incomplete(
    arm: ArmServer, azure_env: dict[str, str], azurite: Azurite, tmp_path: Path  # noqa: F811
) -> None:
    seed(arm, azurite)
    out = tmp_path / "down.json"
    env = {**azure_env, "SKYSCAN_BLOB_SHARED_KEY": azurite.key}
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        wrong_port = f"http://127.0.0.1:{sock.getsockname()[1]}/{azurite.account}"
    proc = run_skyscan(arm, env, "scan", "azure", *live_args(arm), "--checks", CHECK, "--probe-anonymous",
                       "--blob-endpoint", wrong_port, "-o", f"json={out}")
    assert proc.returncode == 3, proc.stderr
    doc = load_report(out)
    assert {(e["operation"], e["code"], e["resource_type"]) for e in doc["errors"]} == {
        ("ListContainers", "ConnectionError", "azure.storage.blob_data_plane"),
        ("GetBlobServiceProperties", "ConnectionError", "azure.storage.blob_data_plane"),
    }
    site = next(f for f in doc["findings"] if f["resource_id"].endswith("/site"))
    # no answer is no evidence: not probed, the settings-based verdict stands
    assert site["severity"] == "critical" and "anonymous_probe" not in site["details"]


def test_plain_http_endpoint_without_a_key_is_one_line_and_exit_2(
    arm: ArmServer, azure_env: dict[str, str], tmp_path: Path
) -> None:
    proc = run_skyscan(arm, azure_env, "scan", "azure", *live_args(arm), "--probe-anonymous",
                       "--blob-endpoint", "http://127.0.0.1:9/devstoreaccount1")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "--blob-endpoint" in lines[0] and "SKYSCAN_BLOB_SHARED_KEY" in lines[0], proc.stderr
    assert arm.requests == []
