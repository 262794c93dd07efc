"""The benchmark's AWS account: moto in server mode on 127.0.0.1 and a free port, in a
process of its own (``host.Host``), emptied and re-seeded for every size; and the small
IAM Access Analyzer endpoint the tests use (moto has none), with one analyzer, so the
default scan is complete instead of retrying a 500.
"""

from __future__ import annotations

import json
import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path

from bench import aws_seed
from bench.host import Host

# Dummy keys for the emulator; the scan subprocess gets these and no real configuration.
DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": aws_seed.REGION,
}
# One AMI instead of moto's ~1,300, so image listings measure the scanner, not moto.
TINY_AMIS = [{
    "ami_id": "ami-0123456789abcdef0", "name": "bench-ami", "description": "the only AMI",
    "owner_id": "801119661308", "public": True, "virtualization_type": "hvm", "architecture": "x86_64",
    "state": "available", "platform": None, "image_type": "machine", "hypervisor": "xen",
    "root_device_name": "/dev/sda1", "root_device_type": "ebs", "sriov": "simple",
}]
# a small answer from moto (its state as JSON; tiny while the account is empty), for calibrate
ROUND_TRIP_PATH = "/moto-api/data.json"


class RequestCounter(logging.Handler):
    """Requests moto answered, from werkzeug's one access-log line per request."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "HTTP/1." in record.getMessage():
            self.count += 1  # a cross-check of the proxy's count; a rare lost increment is noise


class MotoService:
    """Lives in the moto process: the server, its request count, seeding."""

    def __init__(self, amis_path: str) -> None:
        os.environ["MOTO_AMIS_PATH"] = amis_path  # read when moto's EC2 backend is first imported
        os.environ.update(DUMMY_CREDENTIALS)  # the verifying clients sign with these
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_REGION"):
            os.environ.pop(name, None)
        from moto.server import ThreadedMotoServer

        self.counter = RequestCounter()
        werkzeug = logging.getLogger("werkzeug")
        werkzeug.setLevel(logging.INFO)
        werkzeug.propagate = False  # counted, not printed
        werkzeug.addHandler(self.counter)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"

    def info(self) -> str:
        return self.url

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()

    def seed(self, n: int) -> dict[str, int]:
        """Empty moto, then N of each kind, read back over HTTP."""
        self.reset()
        counts = aws_seed.seed(n)
        aws_seed.verify(self.url, counts)
        return asdict(counts)

    def requests(self) -> int:
        return self.counter.count

    def stop(self) -> None:
        self._server.stop()


class AwsWorld:
    def __init__(self, stack: ExitStack, workdir: Path) -> None:
        from tests import access_analyzer_emulator

        amis = workdir / "amis.json"
        amis.write_text(json.dumps(TINY_AMIS), encoding="utf-8")
        self._moto = Host("bench.aws_world:MotoService", str(amis))
        stack.callback(self._moto.stop)
        self.url: str = self._moto.info
        self.pid = self._moto.pid
        self.analyzers = stack.enter_context(access_analyzer_emulator.running())
        self.analyzers.add(aws_seed.REGION, "bench-analyzer", account=aws_seed.ACCOUNT)
        self._workdir = workdir

    def seed(self, n: int) -> aws_seed.AwsSeedCounts:
        return aws_seed.AwsSeedCounts(**self._moto.call("seed", n))

    def requests(self) -> int:
        """Requests moto has answered so far (every size, every scan)."""
        count: int = self._moto.call("requests")
        return count

    def scan_env(self, endpoint: str) -> dict[str, str]:
        """A scan subprocess's environment: dummy keys, every AWS call to ``endpoint``
        except Access Analyzer's, and no real AWS configuration."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {**keep, **DUMMY_CREDENTIALS,
                "AWS_ENDPOINT_URL": endpoint,
                "AWS_ENDPOINT_URL_ACCESSANALYZER": self.analyzers.url,
                "AWS_CONFIG_FILE": str(self._workdir / "no-aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE": str(self._workdir / "no-aws-credentials")}


@contextmanager
def aws_world(workdir: Path) -> Iterator[AwsWorld]:
    with ExitStack() as stack:
        yield AwsWorld(stack, workdir)


def scan_args(workers: int) -> list[str]:
    """``skyscan`` arguments of the benchmark's AWS scan (the endpoint is in the environment)."""
    return ["scan", "aws", "--regions", aws_seed.REGION, "--max-workers", str(workers)]


