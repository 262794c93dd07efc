"""A check that declares the fields it reads (``CheckSpec.reads``) must decide the same
on a snapshot where every other field of those records is unread: otherwise a narrowed
scan, which skips the calls for the other fields, would change its verdicts."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from scanner.model import Finding
from scanner.registry import Check, load
from scanner.resources.base import Resource
from scanner.snapshot import Snapshot
from tests.scenarios import load_scenario, scenario_paths

NAMING = {f.name for f in dataclasses.fields(Resource)} - {"tags"}  # identity, never left unread
NARROWED = [c for c in load().checks if c.spec.reads]


def narrowed(snap: Snapshot, reads: tuple[str, ...]) -> Snapshot:
    keep: dict[str, set[str]] = {}
    for entry in reads:
        resource_type, _, name = entry.partition(":")
        keep.setdefault(resource_type, set()).add(name)

    def blank(record: Resource) -> Resource:
        fields = keep.get(record.TYPE)
        if fields is None:
            return record
        changes: dict[str, Any] = {
            f.name: ({} if f.name == "tags" else None)
            for f in dataclasses.fields(record) if f.name not in NAMING | fields
        }
        return dataclasses.replace(record, **changes)

    return Snapshot(snap.scopes, [blank(r) for r in snap.all_resources()], snap.errors, snap.created_at,
                    snap.collected, snap.stats)


def verdicts(findings: list[Finding]) -> list[tuple[Any, ...]]:
    return sorted((f.resource_id, f.status, f.severity, f.fingerprint, repr(f.details)) for f in findings)


def test_checks_declare_reads() -> None:
    assert {c.spec.id for c in NARROWED} >= {"aws_s3_bucket_versioning", "aws_s3_bucket_acl_public"}


@pytest.mark.parametrize("check", NARROWED, ids=lambda c: c.spec.id)
def test_a_check_decides_the_same_with_only_the_fields_it_declares(check: Check) -> None:
    paths = scenario_paths(check)
    assert paths
    for path in paths:
        snap = load_scenario(path).snapshot
        assert verdicts(list(check.evaluate(narrowed(snap, check.spec.reads)))) == verdicts(
            list(check.evaluate(snap))), path.name
