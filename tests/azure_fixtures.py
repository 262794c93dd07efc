"""Azure test fixtures: the local HTTPS Resource Manager + Entra authority
(``tests/azure_arm.py``), and the real ClientSecretCredential signing in against it.

* ``arm_server`` (session): one server per test process (each xdist worker has its own).
* ``arm`` (per test): the same server, emptied (model, faults, request log).
* ``azure_env`` (per test): the environment a scan needs to reach it, applied to
  os.environ and returned as a dict for subprocesses: AZURE_AUTHORITY_HOST,
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET. Other AZURE_* variables
  (a developer's real configuration) are removed.
* ``azure_settings`` (per test): AzureSettings for client-secret sign-in against it.
* ``open_azure`` (per test): ``open_azure(subscriptions=(), options=FAST)`` opens the
  scanner's AzureContexts on a fresh pool, closed after the test.

Never DefaultAzureCredential here: its managed-identity step calls the instance
metadata address.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.azure_arm import ArmServer

# short back-off and timeouts, so fault tests take seconds, not minutes
FAST_RETRIES: dict[str, Any] = {
    "retry_total": 3,
    "retry_backoff_factor": 0.05,
    "retry_backoff_max": 1,
    "retry_after_cap": 2.0,
    "connection_timeout": 5.0,
    "read_timeout": 5.0,
    "total_timeout": 60,
}


@pytest.fixture(scope="session")
def arm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArmServer]:
    server = ArmServer(tmp_path_factory.mktemp("arm")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def arm(arm_server: ArmServer) -> ArmServer:
    arm_server.reset()
    return arm_server


@pytest.fixture
def azure_env(arm: ArmServer, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in list(os.environ):
        if name.startswith(("AZURE_", "SKYSCAN_ARM", "SKYSCAN_CA")) or name == "IDENTITY_ENDPOINT":
            monkeypatch.delenv(name, raising=False)
    env = {
        "AZURE_AUTHORITY_HOST": arm.url,
        "AZURE_TENANT_ID": arm.tenant,
        "AZURE_CLIENT_ID": arm.client_id,
        "AZURE_CLIENT_SECRET": arm.client_secret,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def azure_settings(arm: ArmServer, azure_env: dict[str, str]) -> Any:
    from scanner.collect.azure.identity import AzureSettings

    return AzureSettings(auth="client-secret", arm_endpoint=arm.url, ca_bundle=str(arm.ca_path))


@pytest.fixture
def open_azure(azure_settings: Any) -> Iterator[Callable[..., list[Any]]]:
    from dataclasses import replace

    from scanner.collect.azure.arm import ArmOptions
    from scanner.collect.azure.context import open_contexts
    from scanner.collect.pool import Pool

    pools: list[Pool] = []

    def make(subscriptions: tuple[str, ...] = (), **options: Any) -> list[Any]:
        pool = Pool(8)
        pools.append(pool)
        settings = replace(azure_settings, subscriptions=subscriptions)
        return open_contexts(settings, pool, options=ArmOptions(**{**FAST_RETRIES, **options}))

    yield make
    for pool in pools:
        pool.close()
