"""Shared fixtures: a real AWS emulator (moto in server mode) on 127.0.0.1.

Collector and end-to-end tests talk to it over HTTP with real boto3 clients:

* ``moto_server`` (session): starts one ``ThreadedMotoServer`` per test process (each
  pytest-xdist worker gets its own, on a free port) and yields its endpoint URL.
* ``aws_endpoint`` (per test): empties the emulator (``POST /moto-api/reset``), sets
  dummy credentials and ``AWS_DEFAULT_REGION=us-east-1`` in the environment (and hides
  any real AWS configuration), and returns the endpoint URL. Pass it as
  ``endpoint_url=`` to the scanner's context, or as ``--endpoint-url`` to the CLI; for a
  subprocess, ``aws_env`` gives the same variables as a dict.
* ``seed_client`` (per test): a factory ``seed_client("s3", "eu-west-1")`` of plain
  boto3 clients on the emulator, for the test's own setup. These may write; the
  scanner's clients (from ``AwsContext.client``) must not. ``s3_seed`` is the common
  case, an S3 client in us-east-1. S3 Control clients are sent to the emulator's host
  despite the account-id host prefix S3 Control adds.

The emulator's account id is moto's default, ``MOTO_ACCOUNT``. moto is started with a
tiny ``MOTO_AMIS_PATH`` (one AMI instead of ~1,300) so EC2 listings stay small.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

# the local Azure Resource Manager and Entra authority (tests/azure_fixtures.py)
pytest_plugins = ["tests.azure_fixtures"]

MOTO_ACCOUNT = "123456789012"
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
# Real configuration that must not leak into a test (a developer's profile, a global
# endpoint override): removed from the environment for every test using the emulator.
HIDDEN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_ENDPOINT_URL", "AWS_ROLE_ARN")

# One small AMI; moto reads MOTO_AMIS_PATH when its EC2 backend is first imported.
TINY_AMIS = [
    {
        "ami_id": "ami-0123456789abcdef0",
        "name": "skyscan-test-ami",
        "description": "the only AMI the emulator knows",
        "owner_id": "801119661308",  # Amazon's, as for moto's own defaults
        "public": True,
        "virtualization_type": "hvm",
        "architecture": "x86_64",
        "state": "available",
        "platform": None,
        "image_type": "machine",
        "hypervisor": "xen",
        "root_device_name": "/dev/sda1",
        "root_device_type": "ebs",
        "sriov": "simple",
    }
]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One moto server for the test process; yields its URL, e.g. http://127.0.0.1:40123."""
    amis = tmp_path_factory.mktemp("moto") / "amis.json"
    amis.write_text(json.dumps(TINY_AMIS), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOTO_AMIS_PATH", str(amis))
        from moto.server import ThreadedMotoServer  # imported late: after MOTO_AMIS_PATH

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        try:
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def reset_moto(url: str) -> None:
    """Empty every service of the emulator at ``url``."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as answer:
        answer.read()


@pytest.fixture
def aws_env(tmp_path: Path) -> dict[str, str]:
    """The environment a test's AWS code (or a subprocess) should see: dummy
    credentials, us-east-1, and config files that do not exist."""
    return {
        **DUMMY_CREDENTIALS,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }


@pytest.fixture
def aws_endpoint(moto_server: str, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> str:
    """The emulator's URL, freshly emptied, with ``aws_env`` applied to os.environ."""
    reset_moto(moto_server)
    for name in HIDDEN_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in aws_env.items():
        monkeypatch.setenv(name, value)
    return moto_server


@pytest.fixture
def seed_client(aws_endpoint: str) -> Callable[..., Any]:
    """A factory of boto3 clients on the emulator for seeding test data:
    ``seed_client("s3")``, ``seed_client("s3", "eu-west-1")``. Not read-only guarded."""
    import boto3

    session = boto3.Session()

    endpoint_host = urlsplit(aws_endpoint).netloc

    def to_endpoint_host(request: Any, **_: Any) -> None:
        # S3 Control prefixes the host with "<account>.", which does not resolve
        parts = urlsplit(request.url)
        if parts.netloc != endpoint_host and parts.netloc.endswith("." + endpoint_host):
            request.url = urlunsplit(parts._replace(netloc=endpoint_host))
            request.headers["Host"] = endpoint_host

    def make(service: str, region: str = "us-east-1") -> Any:
        client = session.client(service, region_name=region, endpoint_url=aws_endpoint)  # type: ignore[call-overload]
        if service == "s3control":
            client.meta.events.register("before-sign.s3-control.*", to_endpoint_host)
        return client

    return make


@pytest.fixture
def s3_seed(seed_client: Callable[..., Any]) -> Any:
    """A seeding S3 client in us-east-1 (shorthand for ``seed_client("s3")``)."""
    return seed_client("s3")
