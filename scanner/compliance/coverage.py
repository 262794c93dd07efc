"""Which controls of a catalogue a set of checks covers, and which check references
name something no catalogue has.

Coverage comes only from the checks' own ``CheckSpec.compliance`` references; nothing
here guesses a mapping from titles or services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tabulate import tabulate

from scanner.compliance.catalogue import Catalogue, Control, find
from scanner.model import CheckSpec, ComplianceRef


@dataclass(frozen=True)
class ControlCoverage:
    control: Control
    checks: tuple[str, ...]  # ids of the checks that reference it, sorted

    @property
    def covered(self) -> bool:
        return bool(self.checks)


@dataclass(frozen=True)
class RefProblem:
    """A check's compliance reference that names no shipped catalogue or no control in it."""

    check_id: str
    ref: ComplianceRef
    reason: str

    def __str__(self) -> str:
        ref = self.ref
        return f"{self.check_id}: {ref.framework} {ref.version} {ref.control}: {self.reason}"


@dataclass(frozen=True)
class Coverage:
    catalogue: Catalogue
    controls: tuple[ControlCoverage, ...]  # in catalogue order
    problems: tuple[RefProblem, ...]  # references to this framework version naming unknown controls

    @property
    def covered(self) -> tuple[ControlCoverage, ...]:
        return tuple(c for c in self.controls if c.covered)

    @property
    def automated(self) -> tuple[ControlCoverage, ...]:
        return tuple(c for c in self.controls if c.control.automated)

    @property
    def automated_covered(self) -> tuple[ControlCoverage, ...]:
        return tuple(c for c in self.automated if c.covered)

    @property
    def automated_uncovered(self) -> tuple[ControlCoverage, ...]:
        return tuple(c for c in self.automated if not c.covered)

    @property
    def manual(self) -> tuple[ControlCoverage, ...]:
        return tuple(c for c in self.controls if not c.control.automated)

    def summary_line(self) -> str:
        return f"{len(self.automated_covered)} of {len(self.automated)} automated controls covered"

    def as_dict(self) -> dict[str, Any]:
        cat = self.catalogue
        return {
            "framework": cat.framework,
            "version": cat.version,
            "name": cat.name,
            "title": cat.title,
            "summary": {
                "controls": len(self.controls),
                "automated": len(self.automated),
                "automated_covered": len(self.automated_covered),
                "manual": len(self.manual),
                "manual_with_checks": sum(1 for c in self.manual if c.covered),
            },
            "controls": [
                {
                    "id": c.control.id,
                    "title": c.control.title,
                    "section": c.control.section,
                    "section_title": cat.section_title(c.control.section),
                    "level": c.control.level,
                    "assessment": c.control.assessment,
                    "checks": list(c.checks),
                }
                for c in self.controls
            ],
            "problems": [str(p) for p in self.problems],
        }


TITLE_WIDTH = 64  # wrap long control names so the table stays readable in a terminal


def render_table(cov: Coverage) -> str:
    """The controls as a table (id, level, assessment, title, covering checks), then the
    coverage line."""
    rows = [
        (
            c.control.id,
            f"L{c.control.level}" if c.control.level else "-",
            c.control.assessment,
            c.control.title,
            "\n".join(c.checks) if c.checks else "not covered",
        )
        for c in cov.controls
    ]
    table = tabulate(
        rows,
        headers=("Control", "Level", "Assessment", "Title", "Checks"),
        maxcolwidths=[None, None, None, TITLE_WIDTH, None],
        disable_numparse=True,  # "1.10" is a control id, not the number 1.1
    )
    return f"{cov.catalogue.title}\n\n{table}\n\n{cov.summary_line()}"


def coverage(catalogue: Catalogue, specs: Iterable[CheckSpec]) -> Coverage:
    """Each control of ``catalogue`` with the checks among ``specs`` that reference it."""
    by_control: dict[str, set[str]] = {}
    problems: list[RefProblem] = []
    for spec in specs:
        for ref in spec.compliance:
            if (ref.framework, ref.version) != (catalogue.framework, catalogue.version):
                continue
            if catalogue.get(ref.control) is None:
                problems.append(RefProblem(spec.id, ref, f"{catalogue.name} has no control {ref.control!r}"))
                continue
            by_control.setdefault(ref.control, set()).add(spec.id)
    controls = tuple(ControlCoverage(c, tuple(sorted(by_control.get(c.id, ())))) for c in catalogue.controls)
    return Coverage(catalogue, controls, tuple(problems))


def check_refs(
    specs: Iterable[CheckSpec], lookup: Callable[[str, str], Catalogue | None] = find
) -> tuple[RefProblem, ...]:
    """Every reference among ``specs`` that names an unknown framework version or control.

    ``lookup`` finds the catalogue for (framework, version); tests pass their own."""
    problems: list[RefProblem] = []
    for spec in specs:
        for ref in spec.compliance:
            catalogue = lookup(ref.framework, ref.version)
            if catalogue is None:
                problems.append(RefProblem(spec.id, ref, "no catalogue for this framework version"))
            elif catalogue.get(ref.control) is None:
                problems.append(RefProblem(spec.id, ref, f"{catalogue.name} has no control {ref.control!r}"))
    return tuple(problems)
