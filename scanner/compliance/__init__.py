"""Compliance catalogues (CIS benchmarks as data), check coverage and per-control scan
verdicts.

- ``catalogue``: load and validate the JSON catalogues shipped in this package.
- ``coverage``: which controls a set of checks covers; references that name nothing.
- ``scan_summary``: the per-control PASS / FAIL / ERROR / NOT_EVALUATED of one scan.
"""

from __future__ import annotations

from scanner.compliance.catalogue import (
    Catalogue,
    CatalogueError,
    Control,
    UnknownFrameworkError,
    available,
    find,
    load,
    split_name,
)
from scanner.compliance.coverage import (
    ControlCoverage,
    Coverage,
    RefProblem,
    check_refs,
    coverage,
    render_table,
)
from scanner.compliance.scan_summary import ControlResult, ControlStatus, FrameworkSummary, summarise

__all__ = [
    "Catalogue",
    "CatalogueError",
    "Control",
    "ControlCoverage",
    "ControlResult",
    "ControlStatus",
    "Coverage",
    "FrameworkSummary",
    "RefProblem",
    "UnknownFrameworkError",
    "available",
    "check_refs",
    "coverage",
    "find",
    "load",
    "render_table",
    "split_name",
    "summarise",
]
