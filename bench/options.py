"""The flags of ``python -m bench.scale``; a bad one is one line on stderr and exit 2."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

DEFAULT_SIZES = (100, 1000, 5000)


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"expected positive whole numbers separated by commas, got {text!r}")
    return sorted(set(sizes))


def _delay(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 10, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _json_path(text: str) -> Path:
    path = Path(text)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir() or not directory.is_dir() or not os.access(directory, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text} cannot be written (a directory, or no writable directory)")
    return path


def build_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.scale", description=description)
    p.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES), metavar="N,...",
                   help="resources of each kind to seed, one scan per size (default 100,1000,5000)")
    p.add_argument("--delay", type=_delay, default=0.05, metavar="SECONDS",
                   help="latency the proxy adds to every call (default 0.05)")
    p.add_argument("--workers", type=_positive_int, default=16, metavar="N",
                   help="skyscan --max-workers (default 16)")
    p.add_argument("--provider", choices=("aws", "azure", "all"), default="all",
                   help="the cloud(s) to measure (default all)")
    p.add_argument("--json", type=_json_path, metavar="PATH", help="also write every measurement here")
    p.add_argument("--startup-runs", type=_positive_int, default=5, metavar="N",
                   help="runs of each start-up measurement; the median is shown (default 5)")
    p.add_argument("--timeout", type=_positive_seconds, default=1800.0, metavar="SECONDS",
                   help="give up on one scan after this long (default 1800)")
    return p
