"""Scenario files: a snapshot plus the verdicts each check must give on it.

Format (JSON)::

    {"description": "...",
     "snapshot": {<a snapshot document, see scanner/snapshot.py>},
     "expect": {"<check_id>": {"<resource_id>": "PASS" | "FAIL" | "ERROR"
                                 | {"status": "FAIL", "severity": "low",
                                    "details": {<subset of the finding's details>}}}}}

Every check's expectations must be complete for that snapshot: the check yields exactly
one finding for each listed resource and none for any other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.registry import Check, builtin_fixture_dir
from scanner.snapshot import Snapshot


@dataclass(frozen=True)
class Scenario:
    path: Path
    snapshot: Snapshot
    expect: dict[str, dict[str, Any]]


def load_scenario(path: Path) -> Scenario:
    data = json.loads(path.read_text())
    snap_doc = {"kind": "skyscan-snapshot", "schema_version": 1, **data["snapshot"]}
    return Scenario(path, Snapshot.from_json(snap_doc), data["expect"])


def scenario_paths(check: Check) -> list[Path]:
    if check.fixtures:
        return [p for f in check.fixtures for p in (sorted(f.glob("*.json")) if f.is_dir() else [f])]
    return sorted(builtin_fixture_dir().glob("*.json"))


def normalise(expected: Any) -> dict[str, Any]:
    return {"status": expected} if isinstance(expected, str) else dict(expected)
