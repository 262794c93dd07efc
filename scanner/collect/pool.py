"""The collection layer's shared machinery: bounded threads, a bound on the requests in
flight, per-service limits, and the call ledger every SDK hook writes to."""

from __future__ import annotations

import itertools
import math
import queue
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from typing import Any, TypeVar

from scanner.callstats import CallLedger

T = TypeVar("T")

DEFAULT_WORKERS = 16
# Requests in flight at once per account (or subscription) and service, where the
# cloud's own rate limits are low. IAM is a global, low-rate API shared by the whole
# account; past a handful of concurrent readers it answers with throttling errors.
DEFAULT_SERVICE_LIMITS: Mapping[str, int] = {"iam": 8}


class Cancelled(Exception):
    """Raised instead of sending a request once the pool is closed: after an interrupt,
    collectors still running fail fast instead of reading on."""


class _Workers:
    """``size`` threads running tasks from one priority queue: lower priority first,
    then first come, first served (the standard executor has no priorities)."""

    def __init__(self, size: int, name: str) -> None:
        self._size, self._name = size, name
        self._queue: queue.PriorityQueue[tuple[float, int, Future[None] | None, Callable[[], None] | None]] = (
            queue.PriorityQueue()
        )
        self._order = itertools.count()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, priority: int, task: Callable[[], None]) -> Future[None]:
        future: Future[None] = Future()
        with self._lock:
            if len(self._threads) < self._size:  # started as needed, like the standard executor
                thread = threading.Thread(target=self._work, name=f"{self._name}_{len(self._threads)}", daemon=True)
                self._threads.append(thread)
                thread.start()
        self._queue.put((priority, next(self._order), future, task))
        return future

    def _work(self) -> None:
        while True:
            _, _, future, task = self._queue.get()
            if future is None or task is None:  # shutdown
                return
            if not future.set_running_or_notify_cancel():
                continue
            try:
                task()
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(None)

    def shutdown(self) -> None:
        """Cancel what has not started, let running tasks end, stop the threads."""
        while True:
            try:
                _, _, future, _ = self._queue.get_nowait()
            except queue.Empty:
                break
            if future is not None:
                future.cancel()
        with self._lock:
            threads = list(self._threads)
        for _ in threads:
            self._queue.put((math.inf, next(self._order), None, None))
        for thread in threads:
            thread.join()


class Pool:
    """``run`` fans per-resource reads out over at most ``max_workers`` threads, waits
    for every task and re-raises the first exception a task raised (tasks are expected
    to record cloud errors themselves). Tasks run by ``run`` must not call ``run``.

    Independently of which thread sends it, no more than ``max_workers`` requests are
    in flight at once (``request_started`` / ``request_finished``, called by the SDK
    hooks around every attempt), and no more than the service's limit per scope."""

    def __init__(self, max_workers: int = DEFAULT_WORKERS, service_limits: Mapping[str, int] | None = None) -> None:
        self.max_workers = max_workers
        self.calls = CallLedger()
        self.service_limits = dict(DEFAULT_SERVICE_LIMITS if service_limits is None else service_limits)
        self._workers = _Workers(max_workers, "skyscan")
        self._in_flight = threading.BoundedSemaphore(max_workers)
        self._service_slots: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._slots_lock = threading.Lock()
        self._held = threading.local()
        self._closed = threading.Event()

    def run(self, func: Callable[[T], None], items: Iterable[T], *, service: str | None = None) -> None:
        """Each call keeps at most ``max_workers`` of its tasks queued or running (the
        ``service``'s limit, when its tasks call a service that has one): tasks of
        collectors running at once interleave in the shared queue instead of one
        collector's thousands going first, and a rate-limited service's tasks never
        hold workers that would only wait for its slots. Those tasks go first in the
        queue: the rate-limited service is the scan's critical path, so its slots must
        never wait for a free worker."""
        limit = self.service_limits.get(service) if service else None
        lanes = threading.Semaphore(min(self.max_workers, limit or self.max_workers))
        priority = 0 if limit else 1

        def task(item: T) -> Callable[[], None]:
            def run_one() -> None:
                try:
                    func(item)
                finally:
                    lanes.release()

            return run_one

        futures: list[Future[Any]] = []
        for item in items:
            while not lanes.acquire(timeout=0.2):  # a closed pool cancels the tasks that would free a lane
                if self._closed.is_set():
                    raise Cancelled("the scan was stopped before this read was queued")
            futures.append(self._workers.submit(priority, task(item)))
        for future in futures:
            future.result()

    def request_started(self, scope: str, service: str) -> None:
        """Wait for a free slot (the service's within ``scope`` first, then the
        global one, always in that order so no two threads wait on each other)."""
        self.request_finished()  # a thread sends one request at a time: release a slot an aborted send kept
        if self._closed.is_set():
            raise Cancelled("the scan was stopped before this request was sent")
        held: list[threading.BoundedSemaphore] = []
        limit = self.service_limits.get(service)
        if limit:
            with self._slots_lock:
                slot = self._service_slots.setdefault((scope, service), threading.BoundedSemaphore(limit))
            slot.acquire()
            held.append(slot)
        self._in_flight.acquire()
        held.append(self._in_flight)
        self._held.slots = held
        if self._closed.is_set():  # checked after the wait too: closing may come while waiting
            self.request_finished()
            raise Cancelled("the scan was stopped before this request was sent")

    def request_finished(self) -> None:
        for slot in getattr(self._held, "slots", ()):
            slot.release()
        self._held.slots = []

    def close(self) -> None:
        self._closed.set()
        self._workers.shutdown()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
