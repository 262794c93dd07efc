"""Finding fields as the CI writers (SARIF, JUnit, CSV, Markdown) render them, so the
four formats agree on compliance labels, details JSON and resource names."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any

from scanner.model import ComplianceRef
from scanner.runner import ScanResult

_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def clean(text: str) -> str:
    """Lone surrogates (possible in a snapshot loaded from JSON) cannot be encoded as
    UTF-8 and would abort the write; they become U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def jsonable(value: Any) -> Any:
    """``default=`` for json.dumps: values a check may put in ``details``."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return str(value)


def details_json(details: Mapping[str, Any]) -> str:
    """One line, keys sorted: stable from run to run."""
    text = json.dumps(dict(details), separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=jsonable)
    return clean(text)


def details_data(details: Mapping[str, Any]) -> Any:
    """``details`` as plain JSON data (for embedding in another JSON document)."""
    return json.loads(json.dumps(dict(details), sort_keys=True, default=jsonable))


def compliance_labels(refs: Iterable[ComplianceRef], sep: str = "-") -> list[str]:
    """``cis-aws-3.0.0-2.1.4`` (``sep`` goes between version and control)."""
    return [f"{r.framework}-{r.version}{sep}{r.control}" for r in refs]


def resource_names(result: ScanResult) -> dict[str, str]:
    """Resource id -> the name the collector read (a bucket name, not its ARN)."""
    return {r.resource_id: r.name for r in result.snapshot.all_resources()}
