"""Running skyscan in a subprocess and measuring it: wall time, CPU, exit code and the
peak resident memory of that process alone (``os.wait4`` returns the child's own
rusage, so runs of different sizes do not mask each other as RUSAGE_CHILDREN's maximum
would).

Linux also counts, in a child's ru_maxrss, the memory of the process that started it (it
is recorded when the child calls exec). The benchmark's own process grows with the
proxy's log, so every scan is started by ``Launcher``, a small process of its own
(``host.Host``) that stays a few tens of MB: the floor ``skyscan --version`` shows.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Throttling answers: ARM's 429, S3's 503 SlowDown, EC2's 503 RequestLimitExceeded. The
# query and JSON protocols throttle with a 400 whose code only the body names; the
# report's own count (``scan.stats``) sees those.
THROTTLE_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Run:
    wall: float  # seconds, from start to exit
    cpu: float  # user + system seconds of the scan process
    exit_code: int
    peak_rss_mb: float
    stderr: str


def skyscan_command() -> list[str]:
    """The installed ``skyscan`` script beside this interpreter, else ``python -m scanner``."""
    script = Path(sys.executable).with_name("skyscan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "scanner"]


def with_bytecode_cache(env: dict[str, str], directory: Path) -> dict[str, str]:
    """``env`` with Python's bytecode cache on, kept in ``directory``: start-up is
    measured as an installed skyscan starts (compiled once), even where the shell sets
    PYTHONDONTWRITEBYTECODE, and the work tree gets no __pycache__ of ours."""
    cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["PYTHONPYCACHEPREFIX"] = str(directory)
    return cached


def run_skyscan(args: Sequence[str], env: dict[str, str], *, timeout: float = 3600) -> Run:
    # stdout to a file, not a pipe: a full pipe nobody reads would stall a large table
    with open(os.devnull, "wb") as devnull, tempfile.TemporaryFile() as errors:
        started = time.monotonic()
        process = subprocess.Popen([*skyscan_command(), *args], env=env, stdout=devnull, stderr=errors)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.005)
        wall = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        errors.seek(0)
        stderr = errors.read().decode("utf-8", "replace")
    # Linux reports ru_maxrss in KiB
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, exit_code=process.returncode,
               peak_rss_mb=usage.ru_maxrss / 1024, stderr=stderr)


def process_cpu(pid: int) -> float:
    """User + system seconds a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    """User + system seconds of this process (every thread: the latency proxy's too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Launcher:
    """Lives in the launcher process; ``Host("bench.measure:Launcher").call("run", ...)``."""

    def info(self) -> int:
        return os.getpid()

    def run(self, args: Sequence[str], env: dict[str, str], timeout: float) -> Run:
        return run_skyscan(args, env, timeout=timeout)

    def stop(self) -> None:
        """Nothing to release: each scan has ended before ``run`` returns."""


def median_run(run: Callable[[], Run], times: int = 5) -> tuple[float, Run]:
    """The median wall time of ``times`` runs, after one that is not counted (it fills
    the bytecode cache and the file system cache), and the last run."""
    run()
    runs = [run() for _ in range(times)]
    return statistics.median(r.wall for r in runs), runs[-1]


@dataclass(frozen=True)
class ReportFacts:
    """What the benchmark reads from a scan's JSON report."""

    complete: bool
    findings: Counter[str]  # by status
    errors: Counter[str]  # by "service operation code"
    stats: dict[str, Any] | None  # ``scan.stats``: the scan's own call accounting

    def stat(self, name: str) -> int | None:
        """A total of ``scan.stats`` (calls, retries, throttled), None without one."""
        value = (self.stats or {}).get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def collect_s(self) -> float | None:
        value = (self.stats or {}).get("wall_seconds")
        return float(value) if isinstance(value, int | float) else None

    @property
    def collectors(self) -> dict[str, float]:
        """Seconds per collector (summed over accounts), slowest first."""
        timings: dict[str, float] = {}
        for timing in (self.stats or {}).get("collectors", []):
            name = str(timing.get("collector"))
            timings[name] = timings.get(name, 0.0) + float(timing.get("seconds") or 0.0)
        return {name: round(seconds, 2) for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1])}


def read_report(path: Path) -> ReportFacts:
    doc = json.loads(path.read_text(encoding="utf-8"))
    scan = doc.get("scan", {})
    findings = Counter(str(f.get("status")) for f in doc.get("findings", []))
    errors = Counter(f"{e.get('service')} {e.get('operation')} {e.get('code')}" for e in doc.get("errors", []))
    stats = scan.get("stats")
    return ReportFacts(bool(scan.get("complete")), findings, errors, stats if isinstance(stats, dict) else None)
