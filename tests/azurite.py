"""Azurite, the Azure Storage emulator, for the blob data-plane tests (real HTTP on 127.0.0.1).

* ``azurite_server`` (session): starts ``node_modules/.bin/azurite-blob`` (pinned in
  package.json; installed by ``npm install`` or ``bash .ci/run``) on a free port, in
  memory, and stops it at the end. Each xdist worker has its own. The emulated account
  is ``devstoreaccount1`` with a random key made for this session (AZURITE_ACCOUNTS),
  so no key is written anywhere.
* ``azurite`` (per test): the same server, emptied of containers, with the blob service
  properties reset to a known state (Azurite's defaults differ from Azure's).

Test modules import both names from here.
"""

from __future__ import annotations

import base64
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
AZURITE_BIN = ROOT / "node_modules" / ".bin" / "azurite-blob"
INSTALL_COMMAND = "npm install  (from the repository root; package.json pins azurite 3.37.0)"
ACCOUNT = "devstoreaccount1"
READY = "successfully listens on "
START_TIMEOUT = 60.0


class Azurite:
    """One running azurite-blob process."""

    def __init__(self) -> None:
        if not AZURITE_BIN.exists():
            pytest.fail(f"Azurite is missing ({AZURITE_BIN.relative_to(ROOT)}); install it with: {INSTALL_COMMAND}",
                        pytrace=False)
        self.account = ACCOUNT
        self.key = base64.b64encode(os.urandom(64)).decode()
        self._workdir = tempfile.mkdtemp(prefix="skyscan-azurite-")
        env = {**os.environ, "AZURITE_ACCOUNTS": f"{self.account}:{self.key}"}
        self._process = subprocess.Popen(
            [str(AZURITE_BIN), "--blobHost", "127.0.0.1", "--blobPort", "0",
             "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            cwd=self._workdir, env=env,
        )
        self.output: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()
        # drains the pipe for the whole session, so Azurite never blocks on a full pipe
        threading.Thread(target=self._pump, args=(lines,), name="azurite-output", daemon=True).start()
        self.url = self._wait_ready(lines)
        self.port = int(self.url.rsplit(":", 1)[1])
        self.account_url = f"{self.url}/{self.account}"

    def _pump(self, lines: queue.Queue[str | None]) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self.output.append(line.rstrip())
            lines.put(line)
        lines.put(None)

    def _wait_ready(self, lines: queue.Queue[str | None]) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                continue
            if line is None:
                break
            if READY in line:
                return line.split(READY, 1)[1].strip().rstrip("/")
        self.stop()
        pytest.fail("Azurite did not start: " + " | ".join(self.output[-5:]), pytrace=False)

    def service(self) -> Any:
        """A seeding client with the account key: the test's own setup may write."""
        from azure.core.credentials import AzureNamedKeyCredential
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(self.account_url, credential=AzureNamedKeyCredential(self.account, self.key),
                                 retry_total=0)

    def reset(self) -> None:
        from azure.storage.blob import BlobAnalyticsLogging, RetentionPolicy, StaticWebsite

        with self.service() as service:
            for container in service.list_containers():
                service.delete_container(container.name)
            service.set_service_properties(
                analytics_logging=BlobAnalyticsLogging(read=False, write=False, delete=False,
                                                       retention_policy=RetentionPolicy(enabled=False)),
                delete_retention_policy=RetentionPolicy(enabled=False),
                static_website=StaticWebsite(enabled=False),
            )

    @property
    def running(self) -> bool:
        return self._process.poll() is None

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        shutil.rmtree(self._workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[Azurite]:
    server = Azurite()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def azurite(azurite_server: Azurite) -> Azurite:
    azurite_server.reset()
    return azurite_server
