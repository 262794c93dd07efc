"""Compliance catalogues: the controls of one benchmark version, loaded from the JSON
files shipped beside this module (``cis-aws-4.0.1.json`` is the catalogue
"cis-aws-4.0.1", framework "cis-aws", version "4.0.1").

A catalogue is data, not code: each file names its sources and the date it was
compiled. Loading validates it and fails with the file and field named, so a broken
catalogue is found by the tests rather than by a report that silently drops controls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Literal, cast

KIND = "skyscan-compliance-catalogue"
SCHEMA_VERSION = 1
ASSESSMENTS = ("automated", "manual")
LEVELS = (1, 2)

Assessment = Literal["automated", "manual"]

_NAME = re.compile(r"^(?P<framework>[a-z][a-z0-9]*(-[a-z][a-z0-9]*)*)-(?P<version>\d+(\.\d+)*)$")
_CONTROL_ID = re.compile(r"^\d+(\.\d+)*$")


class CatalogueError(Exception):
    """A catalogue file that does not keep the format; the message names file and field."""


class UnknownFrameworkError(LookupError):
    """A framework name with no catalogue; the message lists the available ones."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown framework {name!r} (available: {', '.join(known) or 'none'})")


@dataclass(frozen=True)
class Control:
    id: str  # e.g. "2.1.4"
    title: str  # the benchmark's name for the control
    section: str  # the id of the section holding it, e.g. "2.1"
    level: int | None  # CIS profile level 1 or 2; None when the sources do not say
    assessment: Assessment

    @property
    def automated(self) -> bool:
        return self.assessment == "automated"


@dataclass(frozen=True)
class Catalogue:
    framework: str  # e.g. "cis-aws", as in ComplianceRef.framework
    version: str  # e.g. "4.0.1", as in ComplianceRef.version
    title: str
    compiled: str  # ISO date the data was compiled
    sources: tuple[str, ...]
    controls: tuple[Control, ...]  # in benchmark order
    sections: Mapping[str, str] = field(default_factory=dict, hash=False)  # section id -> title
    notes: tuple[str, ...] = ()
    _by_id: Mapping[str, Control] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.controls})

    @property
    def name(self) -> str:
        return f"{self.framework}-{self.version}"

    def get(self, control_id: str) -> Control | None:
        return self._by_id.get(control_id)

    def section_title(self, section_id: str) -> str:
        return self.sections.get(section_id, "")


def split_name(name: str) -> tuple[str, str]:
    """("cis-aws", "4.0.1") for "cis-aws-4.0.1"; ValueError for anything else."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"{name!r} is not a catalogue name like 'cis-aws-4.0.1'")
    return match["framework"], match["version"]


def available() -> tuple[str, ...]:
    """Names of the shipped catalogues, sorted."""
    names = []
    for entry in resources.files(__package__ or "scanner.compliance").iterdir():
        stem, dot, ext = entry.name.rpartition(".")
        if dot and ext == "json" and _NAME.match(stem):
            names.append(stem)
    return tuple(sorted(names))


@cache
def load(name: str) -> Catalogue:
    """The catalogue called ``name`` ("cis-aws-4.0.1"); UnknownFrameworkError if none."""
    if name not in available():
        raise UnknownFrameworkError(name, available())
    filename = f"{name}.json"
    text = (resources.files(__package__ or "scanner.compliance") / filename).read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{filename}: not valid JSON: {exc.msg} at line {exc.lineno}") from None
    catalogue = parse(data, filename)
    if catalogue.name != name:
        raise CatalogueError(f"{filename}: declares {catalogue.name!r}, the file name says {name!r}")
    return catalogue


def find(framework: str, version: str) -> Catalogue | None:
    """The catalogue a ComplianceRef points to, or None when none is shipped."""
    name = f"{framework}-{version}"
    return load(name) if name in available() else None


def parse(data: Any, origin: str) -> Catalogue:
    """Validate one catalogue document; ``origin`` names it in error messages."""
    doc = _mapping(data, origin, "the document")
    if doc.get("kind") != KIND:
        raise CatalogueError(f"{origin}: kind must be {KIND!r}")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise CatalogueError(f"{origin}: schema_version must be {SCHEMA_VERSION}")
    framework = _text(doc, origin, "framework")
    version = _text(doc, origin, "version")
    try:
        split_name(f"{framework}-{version}")
    except ValueError:
        raise CatalogueError(f"{origin}: framework/version {framework!r} {version!r} do not form a name") from None
    sections = _mapping(doc.get("sections"), origin, "sections")
    for key, value in sections.items():
        if not _CONTROL_ID.match(key) or not (isinstance(value, str) and value.strip()):
            raise CatalogueError(f"{origin}: sections[{key!r}] must map a section id to its title")
    raw_controls = doc.get("controls")
    if not isinstance(raw_controls, list) or not raw_controls:
        raise CatalogueError(f"{origin}: controls must be a non-empty list")
    controls: list[Control] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_controls):
        where = f"controls[{i}]"
        control = _control(_mapping(raw, origin, where), origin, where, sections)
        if control.id in seen:
            raise CatalogueError(f"{origin}: {where}.id {control.id!r} appears twice")
        seen.add(control.id)
        controls.append(control)
    return Catalogue(
        framework=framework,
        version=version,
        title=_text(doc, origin, "title"),
        compiled=_text(doc, origin, "compiled"),
        sources=_texts(doc, origin, "sources", required=True),
        controls=tuple(controls),
        sections={str(k): str(v) for k, v in sections.items()},
        notes=_texts(doc, origin, "notes", required=False),
    )


def _control(raw: Mapping[str, Any], origin: str, where: str, sections: Mapping[str, Any]) -> Control:
    control_id = _text(raw, origin, f"{where}.id")
    if not _CONTROL_ID.match(control_id):
        raise CatalogueError(f"{origin}: {where}.id {control_id!r} must look like '2.1.4'")
    section = _text(raw, origin, f"{where}.section")
    if section not in sections:
        raise CatalogueError(f"{origin}: {where}.section {section!r} is not in sections")
    if not control_id.startswith(f"{section}."):
        raise CatalogueError(f"{origin}: {where}.id {control_id!r} is not inside section {section!r}")
    level = raw.get("level")
    if level is not None and level not in LEVELS:
        raise CatalogueError(f"{origin}: {where}.level must be 1, 2 or null, not {level!r}")
    assessment = raw.get("assessment")
    if assessment not in ASSESSMENTS:
        raise CatalogueError(f"{origin}: {where}.assessment must be one of {', '.join(ASSESSMENTS)}")
    return Control(
        id=control_id,
        title=_text(raw, origin, f"{where}.title"),
        section=section,
        level=cast(int | None, level),
        assessment=cast(Assessment, assessment),
    )


def _mapping(value: Any, origin: str, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CatalogueError(f"{origin}: {where} must be an object")
    return value


def _text(doc: Mapping[str, Any], origin: str, key: str) -> str:
    value = doc.get(key.rsplit(".", 1)[-1])
    if not (isinstance(value, str) and value.strip()):
        raise CatalogueError(f"{origin}: {key} must be a non-empty string")
    return value


def _texts(doc: Mapping[str, Any], origin: str, key: str, *, required: bool) -> tuple[str, ...]:
    value = doc.get(key, [] if not required else None)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CatalogueError(f"{origin}: {key} must be a list of strings")
    if required and not value:
        raise CatalogueError(f"{origin}: {key} must not be empty")
    return tuple(value)
