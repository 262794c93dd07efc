"""What one benchmark run measured, and how it is shown: one row per provider and size,
the tables, and the issue's targets judged against the rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from tabulate import tabulate

# the targets
RATIO_TARGET = 1.5  # wall within 1.5x of the ideal ...
RATIO_AT = 1000  # ... at N = 1,000 ...
RATIO_DELAY = 0.05  # ... with 50 ms per call
RSS_TARGET_MB = 300.0  # peak RSS at N = 5,000
RSS_AT = 5000
STARTUP_TARGET_S = 1.0
# "linear": the cost of each added resource between the two largest sizes is at most
# this multiple of its cost between the two smallest (a quadratic term would show here)
LINEAR_SLACK = 1.5


@dataclass
class Row:
    provider: str
    n: int
    resources: int  # buckets + groups + users (AWS); accounts + NSGs + vaults (Azure)
    wall_s: float
    calls: int  # requests that passed through the latency proxy
    stats_calls: int | None  # the report's own count (scan.stats), when it keeps one
    throttles: int
    stats_throttles: int | None
    stats_retries: int | None
    collect_s: float | None  # the collection alone (scan.stats), within wall_s
    collectors: dict[str, float]  # seconds per collector (scan.stats), slowest first
    peak_rss_mb: float
    scan_cpu_s: float  # user + system CPU of the scan process
    emulator_cpu_s: float  # ... of the emulator's process during the scan
    proxy_cpu_s: float  # ... of the benchmark's process (the latency proxy) during the scan
    delay_s: float
    round_trip_s: float  # one request through the proxy on this machine, measured
    workers: int
    exit_code: int
    complete: bool | None  # None: no report was written
    findings: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    by_operation: dict[str, int] = field(default_factory=dict)  # "service operation" -> calls
    per_resource: dict[str, float] = field(default_factory=dict)  # "s3 calls per bucket" -> mean
    repeated_reads: int = 0  # (resource, operation) pairs read more than once
    emulator_requests: int = 0  # what the emulator answered (proxy plus direct sign-in)

    @property
    def calls_per_resource(self) -> float:
        return self.calls / self.resources if self.resources else float(self.calls)

    @property
    def ideal_s(self) -> float:
        return self.calls * self.delay_s / self.workers

    @property
    def ratio(self) -> float | None:
        return self.wall_s / self.ideal_s if self.ideal_s > 0 else None

    @property
    def local_ideal_s(self) -> float:
        """The ideal with the measured round trip instead of the injected delay."""
        return self.calls * self.round_trip_s / self.workers

    @property
    def local_ratio(self) -> float | None:
        return self.wall_s / self.local_ideal_s if self.local_ideal_s > 0 else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "calls_per_resource": round(self.calls_per_resource, 3),
                "ideal_s": round(self.ideal_s, 3), "ratio": _rounded(self.ratio),
                "local_ideal_s": round(self.local_ideal_s, 3), "local_ratio": _rounded(self.local_ratio)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass(frozen=True)
class Startup:
    version_s: float  # median of `skyscan --version`
    version_rss_mb: float  # its peak RSS: the floor under every RSS figure
    empty_scan_s: float  # median of a default scan of an empty moto account (no added delay)
    runs: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def table(rows: Sequence[Row]) -> str:
    headers = ("N", "resources", "wall s", "collect s", "API calls", "stats calls", "calls/resource", "throttles",
               "peak RSS MB", "ideal s", "wall/ideal", "RTT ms", "wall/RTT ideal", "CPU scan/emulator/proxy s",
               "exit", "complete")
    body = [
        (r.n, r.resources, f"{r.wall_s:.1f}", _or_dash(r.collect_s, "{:.1f}"), r.calls, _or_dash(r.stats_calls),
         f"{r.calls_per_resource:.2f}", _throttles(r), f"{r.peak_rss_mb:.0f}", f"{r.ideal_s:.1f}",
         _or_dash(r.ratio, "{:.2f}"), f"{r.round_trip_s * 1000:.0f}", _or_dash(r.local_ratio, "{:.2f}"),
         f"{r.scan_cpu_s:.0f} / {r.emulator_cpu_s:.0f} / {r.proxy_cpu_s:.0f}",
         r.exit_code, _or_dash(r.complete))
        for r in rows
    ]
    return tabulate(body, headers=headers, disable_numparse=True, colalign=("right",) * len(headers))


def per_resource_table(rows: Sequence[Row]) -> str:
    names = list(dict.fromkeys(name for r in rows for name in r.per_resource))
    body = [(r.n, *(f"{r.per_resource[name]:.2f}" if name in r.per_resource else "-" for name in names),
             r.repeated_reads) for r in rows]
    return tabulate(body, headers=("N", *names, "repeated reads"), disable_numparse=True)


def _throttles(row: Row) -> str:
    return str(row.throttles) if row.stats_throttles is None else f"{row.throttles} ({row.stats_throttles})"


def _or_dash(value: object, fmt: str = "{}") -> str:
    return "-" if value is None else fmt.format(value)


@dataclass(frozen=True)
class Verdict:
    target: str
    measured: str
    met: bool | None  # None: this run cannot judge it (a size or the delay missing)


def verdicts(rows: Sequence[Row], startup: Startup | None) -> list[Verdict]:
    found: list[Verdict] = []
    for provider in dict.fromkeys(r.provider for r in rows):
        mine = sorted((r for r in rows if r.provider == provider), key=lambda r: r.n)
        found.extend(_provider_verdicts(provider, mine))
    if startup is not None:
        found.append(Verdict(f"start-up under {STARTUP_TARGET_S:.0f} s (skyscan --version, median)",
                             f"{startup.version_s:.2f} s", startup.version_s < STARTUP_TARGET_S))
    return found


def _provider_verdicts(provider: str, rows: Sequence[Row]) -> list[Verdict]:
    found = []
    at = [r for r in rows if r.n == RATIO_AT]
    if at and at[0].ratio is not None:
        judged = at[0].delay_s == RATIO_DELAY
        found.append(Verdict(f"{provider}: wall within {RATIO_TARGET}x of ideal at N={RATIO_AT} (50 ms)",
                             f"{at[0].ratio:.2f}x at {at[0].delay_s * 1000:.0f} ms",
                             at[0].ratio <= RATIO_TARGET if judged else None))
    if rows:
        worst = max(r.repeated_reads for r in rows)
        found.append(Verdict(f"{provider}: each read once per resource (no repeated resource+operation)",
                             f"{worst} repeated", worst == 0))
    biggest = [r for r in rows if r.n == RSS_AT]
    if biggest:
        found.append(Verdict(f"{provider}: peak RSS under {RSS_TARGET_MB:.0f} MB at N={RSS_AT}",
                             f"{biggest[0].peak_rss_mb:.0f} MB", biggest[0].peak_rss_mb < RSS_TARGET_MB))
    if len(rows) >= 3:
        for name, value in (("wall time", lambda r: r.wall_s), ("peak RSS", lambda r: r.peak_rss_mb)):
            first = _slope(rows[0], rows[1], value)
            last = _slope(rows[-2], rows[-1], value)
            linear = last <= max(first, 1e-9) * LINEAR_SLACK
            found.append(Verdict(
                f"{provider}: {name} grows linearly (added cost per resource, last step <= {LINEAR_SLACK}x first)",
                f"{_unit(first, name)} then {_unit(last, name)} per resource", linear))
    return found


def _slope(small: Row, large: Row, value: Any) -> float:
    return float(value(large) - value(small)) / max(large.resources - small.resources, 1)


def _unit(slope: float, name: str) -> str:
    return f"{slope * 1000:.2f} ms" if name == "wall time" else f"{slope * 1024:.1f} KiB"


def verdict_table(found: Sequence[Verdict]) -> str:
    body = [(v.target, v.measured, {True: "met", False: "NOT met", None: "not judged"}[v.met]) for v in found]
    return tabulate(body, headers=("target", "measured", ""), disable_numparse=True)
