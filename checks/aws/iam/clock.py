"""Time for the IAM checks: ages are measured against the snapshot's creation time,
never the clock of the machine evaluating, so a saved snapshot gives the same verdicts
whenever it is evaluated again."""

from __future__ import annotations

from datetime import UTC, datetime

from scanner.snapshot import Snapshot

NO_CLOCK = "the snapshot has no creation time to measure ages against"


def parse(value: str | None) -> datetime | None:
    """An ISO-8601 timestamp as an aware UTC datetime; None when absent or unreadable.
    A time without offset is taken as UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def as_of(snap: Snapshot) -> datetime | None:
    """The moment the snapshot was taken."""
    return parse(snap.created_at)


def age_days(then: datetime, now: datetime) -> int:
    """Whole days from ``then`` to ``now``; 0 when ``then`` is later (clock skew)."""
    return max((now - then).days, 0)


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
