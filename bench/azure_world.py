"""The benchmark's Azure subscription: the local HTTPS Resource Manager and Entra
authority (``scanner/demo/azure_server.py``, the demo's and the tests') in a process of
its own (``host.Host``), emptied and re-seeded for every size.

The scan signs in as the demo does: ClientSecretCredential with a throwaway application
of the emulated tenant, the authority reached directly (one token per scan), while every
Resource Manager read goes through the latency proxy (``--arm-endpoint``). The model's
``nextLink``s name the proxy too, so pages after the first are delayed like the first.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench import azure_seed
from bench.host import Host

# The benchmark's application in the emulated tenant; it signs in nowhere else.
TENANT = "2b7d4c1e-5f6a-4b8c-9d0e-1f2a3b4c5d6e"
CLIENT_ID = "8e9f0a1b-2c3d-4e5f-a6b7-c8d9e0f1a2b3"
CLIENT_SECRET = "skyscan-bench-only"  # accepted by the local authority alone
# an unauthenticated read: a small 401 from Resource Manager, for calibrate
ROUND_TRIP_PATH = "/subscriptions?api-version=2022-12-01"


class ArmService:
    """Lives in the server's process."""

    def __init__(self) -> None:
        from scanner.demo.azure_server import ArmServer

        self._directory = tempfile.TemporaryDirectory(prefix="skyscan-bench-arm-")
        self._server = ArmServer(Path(self._directory.name), tenant=TENANT, client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET).start()

    def info(self) -> dict[str, str]:
        return {"url": self._server.url, "ca_path": str(self._server.ca_path)}

    def seed(self, n: int, next_link_base: str | None) -> dict[str, int]:
        self._server.reset()
        self._server.model.next_link_base = next_link_base
        return asdict(azure_seed.seed(self._server.model, n))

    def requests(self) -> int:
        """Resource Manager requests answered so far (token requests not counted)."""
        return sum(self._server.calls().values())

    def stop(self) -> None:
        self._server.stop()
        self._directory.cleanup()


class AzureWorld:
    def __init__(self) -> None:
        self._host = Host("bench.azure_world:ArmService")
        self.pid = self._host.pid
        info: dict[str, str] = self._host.info
        self.url = info["url"]
        self.ca_path = Path(info["ca_path"])

    def stop(self) -> None:
        self._host.stop()

    def seed(self, n: int, next_link_base: str | None = None) -> azure_seed.AzureSeedCounts:
        return azure_seed.AzureSeedCounts(**self._host.call("seed", n, next_link_base))

    def requests(self) -> int:
        count: int = self._host.call("requests")
        return count

    def scan_env(self) -> dict[str, str]:
        """Sign-in settings for the scan subprocess; the user's own Azure and skyscan
        redirects removed, as the demo does."""
        keep = {k: v for k, v in os.environ.items()
                if not k.startswith(("AZURE_", "SKYSCAN_")) and k not in ("IDENTITY_ENDPOINT", "MSI_ENDPOINT")}
        return {**keep, "AZURE_AUTHORITY_HOST": self.url, "AZURE_TENANT_ID": TENANT,
                "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": CLIENT_SECRET}


def scan_args(workers: int, arm_endpoint: str, ca_bundle: Path) -> list[str]:
    return ["scan", "azure", "--azure-auth", "client-secret", "--arm-endpoint", arm_endpoint,
            "--ca-bundle", str(ca_bundle), "--max-workers", str(workers)]


