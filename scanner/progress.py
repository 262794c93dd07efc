"""Progress of a live collection on stderr, for a person at a terminal.

Shows collectors finished out of planned (one per collector and account or
subscription), API calls, throttling answers and elapsed time, refreshed twice a second
while the slowest collector runs. Silent when stderr is not a terminal or with --quiet;
tqdm is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import Any

from scanner.callstats import CallLedger
from scanner.collect.base import CollectorSpec
from scanner.snapshot import Scope

REFRESH_SECONDS = 0.5


def shown(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class CollectionProgress:
    def __init__(self, total: int, ledger: CallLedger, *, enabled: bool) -> None:
        self._ledger = ledger
        self._bar: Any = None
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if enabled and total:
            from tqdm import tqdm

            self._bar = tqdm(total=total, unit="collector", desc="collect", file=sys.stderr, leave=False,
                             dynamic_ncols=True)
            self._ticker = threading.Thread(target=self._tick, name="skyscan-progress", daemon=True)
            self._ticker.start()

    def done(self, collector: CollectorSpec, scope: Scope) -> None:
        if self._bar is not None:
            self._bar.set_description_str(f"collect {collector.name} {scope.account}"[:60], refresh=False)
            self._bar.update(1)

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            self._bar.set_postfix(calls=self._ledger.calls(), throttled=self._ledger.throttled(), refresh=True)

    def __enter__(self) -> CollectionProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self._bar is not None:
            self._bar.close()
