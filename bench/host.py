"""A service object in a process of its own, driven over a pipe.

moto and the local Resource Manager are Python servers: in the benchmark's own process
they would share one interpreter lock with the latency proxy, and on a small machine the
emulator, not the scanner, would set the pace. Each runs here in a spawned child, as does
the scan launcher (``measure.Launcher``); the parent calls the child's object by method
name (``seed``, ``requests``, ``run`` ...).
"""

from __future__ import annotations

import importlib
import multiprocessing
from multiprocessing.connection import Connection
from typing import Any


class HostError(Exception):
    """The child process failed a command (its exception, as text), or ended."""


class Host:
    """``Host("bench.aws_world:MotoService", arg, ...)`` builds that class in a child
    process; ``info`` is what its ``info()`` returned once started."""

    def __init__(self, factory: str, *args: Any) -> None:
        context = multiprocessing.get_context("spawn")  # no inherited threads or sockets
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, factory, args), name=factory, daemon=True)
        self._process.start()
        child.close()
        self.pid: int = self._process.pid or 0
        self.info: Any = self._answer()

    def call(self, method: str, *args: Any) -> Any:
        self._conn.send((method, args))
        return self._answer()

    def stop(self) -> None:
        if self._process.is_alive():
            self.call("stop")
        self._process.join(timeout=30)

    def _answer(self) -> Any:
        try:
            status, value = self._conn.recv()
        except EOFError:
            raise HostError(f"the {self._process.name} process ({self.pid}) ended unexpectedly") from None
        if status == "error":
            raise HostError(value)
        return value


def _serve(conn: Connection, factory: str, args: tuple[Any, ...]) -> None:
    module, _, name = factory.partition(":")
    service = getattr(importlib.import_module(module), name)(*args)
    conn.send(("ok", service.info()))
    while True:
        method, call_args = conn.recv()
        try:
            value = getattr(service, method)(*call_args)
        except Exception as exc:  # handed to the parent, which raises it as HostError
            conn.send(("error", f"{method}: {exc.__class__.__name__}: {exc}"))
            continue
        conn.send(("ok", value))
        if method == "stop":
            return
