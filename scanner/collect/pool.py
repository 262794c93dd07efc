"""Bounded concurrency for per-resource reads."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

DEFAULT_WORKERS = 16


class Pool:
    """A bounded thread pool. ``run`` waits for every task and re-raises the first
    exception a task raised (tasks are expected to record cloud errors themselves)."""

    def __init__(self, max_workers: int = DEFAULT_WORKERS) -> None:
        self.max_workers = max_workers
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="skyscan")

    def run(self, func: Callable[[T], None], items: Iterable[T]) -> None:
        futures = [self._executor.submit(func, item) for item in items]
        for future in futures:
            future.result()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
