"""The fields every resource record shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class Resource:
    """One cloud resource as a collector read it.

    A field that is ``None`` in a subclass means "could not be read" (the matching
    collection error is in the snapshot); "not configured" always has a concrete value.
    """

    TYPE: ClassVar[str] = ""
    PROVIDER: ClassVar[str] = ""

    account: str
    region: str
    resource_id: str
    name: str
    tags: dict[str, str] = field(default_factory=dict)
