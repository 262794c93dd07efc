"""What each emulated cloud of ``skyscan demo`` hands back once started and seeded."""

from __future__ import annotations

import argparse
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoCloud:
    provider: str
    args: argparse.Namespace  # the namespace commands.select and commands.collect_live read
    summary: str  # what was started and seeded, for one line on stderr
