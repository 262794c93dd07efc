"""Choices that shape a report without changing the findings."""

from __future__ import annotations

from dataclasses import dataclass

from scanner.compliance import Catalogue


@dataclass(frozen=True)
class RenderOptions:
    show_passed: bool = False  # the table lists PASS and MUTED findings too
    frameworks: tuple[Catalogue, ...] = ()  # --framework: add a per-control summary
