"""Choices that shape a report without changing the findings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RenderOptions:
    show_passed: bool = False  # the table lists PASS and MUTED findings too
