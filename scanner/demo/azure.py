"""The Azure half of ``skyscan demo``: the local HTTPS Resource Manager + Entra authority
(``azure_server``) in this process on 127.0.0.1, seeded from ``azure.json`` beside this
file, then scanned through the real path: ClientSecretCredential signing in to that
authority with a throwaway application, and the management pipeline reading that
Resource Manager (--arm-endpoint) over TLS signed by a CA made for this run (--ca-bundle).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from scanner import commands
from scanner.demo.azure_server import ArmServer
from scanner.demo.cloud import DemoCloud

SEED = Path(__file__).with_name("azure.json")
# Every Azure service the checks cover: the server serves them all from its model. The
# blob data plane stays off (it is opt-in and would need Azurite, a Node.js program).
DEMO_SERVICES = ("storage", "network", "keyvault", "sql", "appservice", "monitor", "defender")
# The demo's throwaway application in the emulated tenant; it signs in nowhere else.
DEMO_TENANT = "0d3e5c7a-1b2f-4e6d-9a8c-2f1e0d3c4b5a"
DEMO_CLIENT_ID = "7c6b5a49-3e2d-4c1b-8a9f-0e1d2c3b4a59"
DEMO_CLIENT_SECRET = "skyscan-demo-only"  # accepted by the in-process authority alone
# Variables that could send the sign-in, Resource Manager or blob reads somewhere else.
REDIRECTING = ("SKYSCAN_ARM_ENDPOINT", "SKYSCAN_CA_BUNDLE", "SKYSCAN_BLOB_ENDPOINT", "IDENTITY_ENDPOINT",
               "MSI_ENDPOINT")


def start(stack: ExitStack, common: dict[str, Any]) -> DemoCloud:
    """Start and seed the server (stopped, and its CA file removed, when ``stack``
    closes); ``common`` holds the collection settings both clouds share."""
    try:
        import trustme  # noqa: F401  (the server's test CA; checked here for a clear message)
    except ImportError:
        raise commands.UsageError("the demo needs its Azure emulator's CA: pip install 'skyscan[demo]'") from None
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="skyscan-demo-")))
    server = ArmServer(directory, tenant=DEMO_TENANT, client_id=DEMO_CLIENT_ID,
                       client_secret=DEMO_CLIENT_SECRET).start()
    stack.callback(server.stop)
    # The demo's own identity, for this process only: never the user's Azure credentials.
    for name in list(os.environ):
        if name.startswith("AZURE_") or name in REDIRECTING:
            del os.environ[name]
    os.environ.update({
        "AZURE_AUTHORITY_HOST": server.url,
        "AZURE_TENANT_ID": DEMO_TENANT,
        "AZURE_CLIENT_ID": DEMO_CLIENT_ID,
        "AZURE_CLIENT_SECRET": DEMO_CLIENT_SECRET,
    })
    seed = json.loads(SEED.read_text())
    counts = seed_subscription(server, seed)
    subscription = seed["subscription"]
    summary = (
        f"started an Azure Resource Manager and sign-in authority at {server.url} and created "
        f"{counts} in subscription {subscription['name']} ({subscription['id']}, {SEED.name}); "
        f"{', '.join(DEMO_SERVICES)} checks"
    )
    args = argparse.Namespace(
        provider="azure", azure_auth="client-secret", tenant=None, azure_cloud="public", arm_endpoint=server.url,
        ca_bundle=str(server.ca_path), subscription=[], services=list(DEMO_SERVICES), **common,
    )
    return DemoCloud("azure", args, summary)


def seed_subscription(server: ArmServer, seed: dict[str, Any]) -> str:
    """Fill the server's model from the seed; returns what was made, for the summary line."""
    model = server.model
    sid = seed["subscription"]["id"]
    model.add_subscription(sid, seed["subscription"]["name"])
    for account in seed["storage_accounts"]:
        model.add_storage_account(sid, account["name"], group=account["group"], location=account["location"],
                                  properties=account["properties"], blob_service=account["blob_service"],
                                  containers=account["containers"])
    nsgs = {nsg["name"]: model.add_nsg(sid, nsg["name"], nsg["rules"], group=nsg["group"], location=nsg["location"])
            for nsg in seed["network_security_groups"]}
    for watcher in seed["network_watchers"]:
        logs = [{**{k: v for k, v in log.items() if k != "nsg"}, "targetResourceId": nsgs[log["nsg"]]}
                for log in watcher["flow_logs"]]
        model.add_network_watcher(sid, watcher["location"], logs)
    for vault in seed["key_vaults"]:
        model.add_key_vault(sid, vault["name"], vault["properties"], group=vault["group"], location=vault["location"],
                            keys=vault["keys"], secrets=vault["secrets"])
    for server_seed in seed["sql_servers"]:
        model.add_sql_server(sid, server_seed["name"], server_seed["properties"], group=server_seed["group"],
                             location=server_seed["location"], admins=server_seed["admins"],
                             auditing=server_seed["auditing"],
                             firewall={name: tuple(span) for name, span in server_seed["firewall"].items()},
                             databases=server_seed["databases"])
    for site in seed["web_apps"]:
        model.add_web_app(sid, site["name"], site["properties"], site["config"], group=site["group"],
                          location=site["location"])
    model.set_activity_log_settings(sid, seed["activity_log_settings"])
    model.set_pricings(sid, seed["defender_plans"])
    containers = sum(len(a["containers"]) for a in seed["storage_accounts"])
    return (f"{_count(len(seed['storage_accounts']), 'storage account')} ({_count(containers, 'container')}), "
            f"{_count(len(nsgs), 'network security group')}, {_count(len(seed['key_vaults']), 'key vault')}, "
            f"{_count(len(seed['sql_servers']), 'SQL server')} and {_count(len(seed['web_apps']), 'App Service site')}")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
