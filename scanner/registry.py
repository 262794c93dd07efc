"""Finds, validates and selects checks.

Built-in checks are the modules under the ``checks`` package; third-party checks come
from the entry-point group ``skyscan.checks`` (a module or a package of modules). A
module that breaks the contract stops the load with a RegistryError naming the module
and the field: a scanner that silently skips a check is worse than one that refuses.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.metadata
import pkgutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from scanner.model import CHECK_ID_PATTERN, PROVIDERS, Category, CheckSpec, Finding, Severity
from scanner.snapshot import Snapshot

ENTRY_POINT_GROUP = "skyscan.checks"
BUILTIN_PACKAGE = "checks"

Evaluate = Callable[[Snapshot], Iterable[Finding]]


class RegistryError(Exception):
    """A check module that does not keep the contract; one line naming module and field."""


@dataclass(frozen=True)
class Check:
    spec: CheckSpec
    evaluate: Evaluate
    module: str
    origin: str  # "builtin" or the distribution that brought it
    fixtures: tuple[Path, ...] = ()  # scenario files declared by the module (plugins)


@dataclass(frozen=True)
class Registry:
    checks: tuple[Check, ...]

    def get(self, check_id: str) -> Check | None:
        return next((c for c in self.checks if c.spec.id == check_id), None)

    def select(
        self,
        *,
        provider: str | None = None,
        patterns: Sequence[str] = (),
        services: Sequence[str] = (),
        min_severity: Severity | None = None,
        categories: Sequence[Category] = (),
    ) -> tuple[Check, ...]:
        """Checks matching every given filter; id patterns are shell globs."""
        chosen = []
        for check in self.checks:
            spec = check.spec
            if provider and spec.provider != provider:
                continue
            if patterns and not any(fnmatch.fnmatchcase(spec.id, p) for p in patterns):
                continue
            if services and spec.service not in services:
                continue
            if min_severity is not None and spec.severity < min_severity:
                continue
            if categories and not set(categories) & set(spec.categories):
                continue
            chosen.append(check)
        return tuple(chosen)

    def unmatched_patterns(self, patterns: Sequence[str]) -> list[str]:
        """Patterns that name no check at all: almost always a typo worth an error."""
        return [p for p in patterns if not any(fnmatch.fnmatchcase(c.spec.id, p) for c in self.checks)]


def load(include_plugins: bool = True) -> Registry:
    found: dict[str, Check] = {}
    for module in _builtin_modules():
        _add(found, _validate(module, "builtin"))
    if include_plugins:
        for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            origin = entry.dist.name if entry.dist else entry.name
            try:
                loaded = entry.load()
            except Exception as exc:  # a plugin that cannot import is reported, never skipped
                raise RegistryError(
                    f"plugin {origin!r} entry point {entry.value!r} failed to import: "
                    f"{exc.__class__.__name__}: {exc}"
                ) from None
            if not isinstance(loaded, ModuleType):
                raise RegistryError(f"plugin {origin!r} entry point {entry.value!r} must name a module")
            for module in _modules_in(loaded):
                _add(found, _validate(module, origin))
    return Registry(tuple(sorted(found.values(), key=lambda c: c.spec.id)))


def _builtin_modules() -> Iterable[ModuleType]:
    return _modules_in(importlib.import_module(BUILTIN_PACKAGE))


def _modules_in(module: ModuleType) -> Iterable[ModuleType]:
    """The module itself when it holds a check, else every check module beneath it.

    Helper modules (no SPEC) beside the checks are allowed and skipped."""
    if hasattr(module, "SPEC"):
        yield module
        return
    if not hasattr(module, "__path__"):
        raise RegistryError(f"{module.__name__}: a check module must define SPEC")
    for info in pkgutil.walk_packages(module.__path__, prefix=f"{module.__name__}."):
        if info.ispkg:
            continue
        child = importlib.import_module(info.name)
        if hasattr(child, "SPEC"):
            yield child


def _validate(module: ModuleType, origin: str) -> Check:
    name = module.__name__
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, CheckSpec):
        raise RegistryError(f"{name}: SPEC must be a scanner.model.CheckSpec, not {type(spec).__name__}")
    evaluate = getattr(module, "evaluate", None)
    if not callable(evaluate):
        raise RegistryError(f"{name}: must define a function evaluate(snapshot)")
    problems = []
    if not isinstance(spec.id, str) or not CHECK_ID_PATTERN.match(spec.id):
        problems.append(f"id {spec.id!r} must look like <provider>_<service>_<resource>_<property>")
    elif spec.id != name.rsplit(".", 1)[-1]:
        problems.append(f"id {spec.id!r} must equal the module's file name")
    if spec.provider not in PROVIDERS:
        problems.append(f"provider {spec.provider!r} must be one of {', '.join(PROVIDERS)}")
    elif isinstance(spec.id, str) and not spec.id.startswith(f"{spec.provider}_"):
        problems.append(f"id {spec.id!r} must start with the provider {spec.provider!r}")
    if not isinstance(spec.severity, Severity):
        problems.append("severity must be a scanner.model.Severity")
    if not (isinstance(spec.title, str) and spec.title.strip()):
        problems.append("title must be a non-empty string")
    if not (isinstance(spec.service, str) and spec.service.strip()):
        problems.append("service must be a non-empty string")
    if not (isinstance(spec.remediation, str) and spec.remediation.strip()):
        problems.append("remediation must be a non-empty string")
    if not (isinstance(spec.requires, tuple) and spec.requires and all(isinstance(r, str) for r in spec.requires)):
        problems.append("requires must be a non-empty tuple of resource type names")
    bad_reads = [r for r in spec.reads if not isinstance(r, str) or r.partition(":")[0] not in spec.requires
                 or not r.partition(":")[2]]
    if not isinstance(spec.reads, tuple) or bad_reads:
        problems.append(f"reads entries must be '<required record type>:<field>', found {bad_reads[:1]}")
    if not all(isinstance(c, Category) for c in spec.categories):
        problems.append("categories must be scanner.model.Category values")
    if problems:
        raise RegistryError(f"{name}: SPEC.{problems[0]}")
    fixtures = getattr(module, "FIXTURES", ())
    if isinstance(fixtures, (str, Path)):
        fixtures = (fixtures,)
    return Check(spec, evaluate, name, origin, tuple(Path(f) for f in fixtures))


def _add(found: dict[str, Check], check: Check) -> None:
    previous = found.get(check.spec.id)
    if previous is not None:
        raise RegistryError(
            f"{check.module}: check id {check.spec.id!r} is already defined by {previous.module}"
        )
    found[check.spec.id] = check


def builtin_fixture_dir() -> Path:
    """Scenario files for the built-in checks (present in a source checkout)."""
    return Path(__file__).resolve().parent.parent / "fixtures" / "checks"
