"""Everything one collection produced: typed records, collection errors and the scope.

Saved as versioned JSON so a scan can be evaluated offline (``skyscan scan --snapshot``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from scanner import atomic, callstats
from scanner.callstats import CallStats
from scanner.resources import BUILTIN_RESOURCE_TYPES, Resource

SCHEMA_VERSION = 1
KIND = "skyscan-snapshot"

R = TypeVar("R", bound=Resource)


@dataclass(frozen=True)
class Scope:
    """One account or subscription, and the regions read in it."""

    provider: str
    account: str
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectionError:
    """A read that failed. ``resource_id`` is None when a whole listing failed, so
    every check needing ``resource_type`` in that scope must report ERROR."""

    provider: str
    account: str
    region: str
    service: str
    operation: str
    code: str
    message: str
    resource_type: str
    resource_id: str | None = None


class SnapshotError(Exception):
    """A snapshot file that cannot be used; the message is one line naming the field."""


class Snapshot:
    def __init__(
        self,
        scopes: Iterable[Scope] = (),
        records: Iterable[Resource] = (),
        errors: Iterable[CollectionError] = (),
        created_at: str = "",
        collected: Iterable[str] = (),
        stats: CallStats | None = None,
    ) -> None:
        self.scopes = tuple(scopes)
        # the resource types whose collectors ran: a type missing here was never
        # looked at, which is different from "looked and found none"
        self.collected = tuple(sorted(set(collected)))
        self.errors = tuple(errors)
        self.created_at = created_at
        self.stats = stats  # the collection's call accounting; None for hand-made snapshots
        by_type: dict[str, list[Resource]] = {}
        for record in records:
            by_type.setdefault(record.TYPE, []).append(record)
        self._records = {name: tuple(items) for name, items in by_type.items()}

    def resources(self, kind: type[R]) -> tuple[R, ...]:
        """All records of one type, e.g. ``snap.resources(S3Bucket)``."""
        return self._records.get(kind.TYPE, ())  # type: ignore[return-value]

    def resource_types(self) -> tuple[str, ...]:
        return tuple(sorted(self._records))

    def all_resources(self) -> Iterable[Resource]:
        for name in sorted(self._records):
            yield from self._records[name]

    def scope_errors(self, resource_type: str) -> tuple[CollectionError, ...]:
        """Errors that left records of ``resource_type`` missing: a whole listing unread
        (``resource_id`` None), or a read of one resource that failed before its record
        could be made (no record carries its id), so no check could say ERROR on it."""
        present = {record.resource_id for record in self._records.get(resource_type, ())}
        return tuple(
            e for e in self.errors
            if e.resource_type == resource_type and (e.resource_id is None or e.resource_id not in present)
        )

    # JSON --------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        from pydantic import TypeAdapter  # imported late: only saving and loading need it

        resources: dict[str, list[Any]] = {}
        for name, items in sorted(self._records.items()):
            adapter = TypeAdapter(type(items[0]))
            resources[name] = [adapter.dump_python(item, mode="json") for item in items]
        return {
            "kind": KIND,
            "schema_version": SCHEMA_VERSION,
            "created_at": self.created_at,
            "collected": list(self.collected),
            "scopes": TypeAdapter(tuple[Scope, ...]).dump_python(self.scopes, mode="json"),
            "resources": resources,
            "errors": TypeAdapter(tuple[CollectionError, ...]).dump_python(self.errors, mode="json"),
            "stats": TypeAdapter(CallStats | None).dump_python(self.stats, mode="json"),
        }

    @classmethod
    def from_json(
        cls, data: Any, record_types: Mapping[str, type[Resource]] | None = None
    ) -> Snapshot:
        """Build a snapshot from parsed JSON; raises SnapshotError naming the bad field."""
        from pydantic import TypeAdapter, ValidationError

        types = dict(BUILTIN_RESOURCE_TYPES if record_types is None else record_types)
        if not isinstance(data, dict):
            raise SnapshotError("top level: expected a JSON object")
        if data.get("kind") != KIND:
            raise SnapshotError(f"kind: expected {KIND!r}, found {_short(data.get('kind'))}")
        if data.get("schema_version") != SCHEMA_VERSION:
            raise SnapshotError(
                f"schema_version: this skyscan reads version {SCHEMA_VERSION}, "
                f"found {_short(data.get('schema_version'))}"
            )
        unencodable = _lone_surrogate(data)
        if unencodable is not None:
            raise SnapshotError(f"{unencodable}: text holds a lone surrogate escape (\\udXXX), which is not Unicode")
        raw_resources = data.get("resources", {})
        if not isinstance(raw_resources, dict):
            raise SnapshotError("resources: expected an object keyed by resource type")
        records: list[Resource] = []
        try:
            scopes = TypeAdapter(tuple[Scope, ...]).validate_python(data.get("scopes", []))
        except ValidationError as exc:
            raise SnapshotError(_describe(exc, prefix="scopes")) from None
        try:
            errors = TypeAdapter(tuple[CollectionError, ...]).validate_python(data.get("errors", []))
        except ValidationError as exc:
            raise SnapshotError(_describe(exc, prefix="errors")) from None
        for name, items in raw_resources.items():
            if name not in types:
                raise SnapshotError(f"resources.{_short(name)}: unknown resource type")
            adapter = TypeAdapter(list[types[name]])  # type: ignore[valid-type]
            try:
                records.extend(adapter.validate_python(items))
            except ValidationError as exc:
                raise SnapshotError(_describe(exc, prefix=f"resources.{name}")) from None
        created = data.get("created_at", "")
        if not isinstance(created, str):
            raise SnapshotError(f"created_at: expected an ISO 8601 time as a string, found {_short(created)}")
        try:
            collected = TypeAdapter(tuple[str, ...]).validate_python(data.get("collected", []))
        except ValidationError as exc:
            raise SnapshotError(_describe(exc, prefix="collected")) from None
        try:
            stats = TypeAdapter(CallStats | None).validate_python(data.get("stats"))
        except ValidationError as exc:
            raise SnapshotError(_describe(exc, prefix="stats")) from None
        return cls(scopes, records, errors, created, collected, stats)


def merge(*snapshots: Snapshot) -> Snapshot:
    """One snapshot holding several collections (e.g. one per cloud), to evaluate in one
    scan: scopes, records, errors and collected types united, in the order given (a
    scope or error present in several appears once); ``created_at`` is the latest
    (ISO 8601 UTC strings sort by time)."""
    return Snapshot(
        scopes=dict.fromkeys(scope for snap in snapshots for scope in snap.scopes),
        records=[record for snap in snapshots for record in snap.all_resources()],
        errors=dict.fromkeys(error for snap in snapshots for error in snap.errors),
        created_at=max((snap.created_at for snap in snapshots), default=""),
        collected=[name for snap in snapshots for name in snap.collected],
        stats=callstats.merge(s.stats for s in snapshots if s.stats) if any(s.stats for s in snapshots) else None,
    )


def _describe(exc: Any, prefix: str) -> str:
    first = exc.errors()[0]
    parts = [prefix] if prefix else []
    for item in first["loc"]:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return f"{'.'.join(parts) or 'top level'}: {first['msg']}"


def _short(value: Any) -> str:
    """A found value for a one-line message: its repr, cut short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


_SURROGATE = re.compile("[\ud800-\udfff]")


def _lone_surrogate(data: Any) -> str | None:
    """Where the first key or string holding a lone surrogate is, or None. JSON's
    ``\\ud800`` escapes decode to one, and no UTF-8 writer can encode it. Iterative: as
    deep as the parser allowed, never deeper than the stack."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return where or "top level"
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                if _SURROGATE.search(key):
                    return f"{where}.{_SURROGATE.sub('?', key)}".lstrip(".")
                stack.append((f"{where}.{key}".lstrip("."), item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", item) for i, item in reversed(list(enumerate(value))))
    return None


def save(snapshot: Snapshot, path: Path) -> None:
    atomic.write_text(path, json.dumps(snapshot.to_json(), indent=1, sort_keys=True) + "\n")


def load(path: Path, record_types: Mapping[str, type[Resource]] | None = None) -> Snapshot:
    """Read a snapshot file; every problem becomes a one-line SnapshotError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SnapshotError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except ValueError:  # a number longer than Python converts (sys.get_int_max_str_digits)
        raise SnapshotError(f"{path}: not usable JSON (a number with too many digits)") from None
    except RecursionError:
        raise SnapshotError(f"{path}: not usable JSON (nested too deeply)") from None
    try:
        return Snapshot.from_json(data, record_types)
    except SnapshotError as exc:
        raise SnapshotError(f"{path}: {exc}") from None
