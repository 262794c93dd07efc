"""What a trail's event selectors record: management events and S3 object data events,
each split into read and write, from basic or advanced selectors.

Basic selectors: ``ReadWriteType`` All / ReadOnly / WriteOnly applies to both the
management events (when ``IncludeManagementEvents``) and the selector's data resources.
S3 data events cover every bucket when a DataResource of type AWS::S3::Object lists
``arn:<partition>:s3`` or ``arn:<partition>:s3:::`` (the two spellings AWS documents).

Advanced selectors: a selector matches events that satisfy all its field selectors.
``readOnly`` Equals ["true"] is read only, ["false"] write only, absent both. A data
selector covers every bucket only when its fields are eventCategory = Data,
resources.type = AWS::S3::Object, optionally readOnly, and optionally resources.ARN
StartsWith the partition's "arn:<partition>:s3:::" (which is every bucket): any other
field (eventName, a bucket's ARN, an exclusion) narrows it, so it does not count.
Management selectors may carry ``eventSource`` NotEquals exclusions (as basic ones carry
ExcludeManagementEventSources): those are reported, not failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.resources.aws_logging import AdvancedEventSelector, CloudTrailTrail, FieldSelector, TrailSelectors

S3_OBJECT = "AWS::S3::Object"
_ALL_BUCKETS = re.compile(r"arn:[a-z-]+:s3(:::)?")
_ALL_BUCKETS_PREFIX = re.compile(r"arn:[a-z-]+:s3:::")
_S3_DATA_FIELDS = frozenset({"eventCategory", "resources.type", "readOnly", "resources.ARN"})


@dataclass(frozen=True)
class Coverage:
    read: bool = False
    write: bool = False
    excluded_sources: tuple[str, ...] = ()  # management event sources left out

    @property
    def both(self) -> bool:
        return self.read and self.write

    def merge(self, read: bool, write: bool, excluded: tuple[str, ...] = ()) -> Coverage:
        return Coverage(self.read or read, self.write or write, tuple(sorted({*self.excluded_sources, *excluded})))

    def as_detail(self) -> dict[str, object]:
        return {"read": self.read, "write": self.write, "excluded_sources": list(self.excluded_sources)}


def _rw(read_write_type: str) -> tuple[bool, bool]:
    kind = read_write_type.lower()
    return kind in ("all", "readonly"), kind in ("all", "writeonly")


def _field(selector: AdvancedEventSelector, name: str) -> FieldSelector | None:
    return next((f for f in selector.field_selectors if f.field == name), None)


def _advanced_rw(selector: AdvancedEventSelector) -> tuple[bool, bool]:
    field = _field(selector, "readOnly")
    if field is None:
        return True, True
    if field.equals:
        values = {v.lower() for v in field.equals}
        return "true" in values, "false" in values
    if field.not_equals:
        values = {v.lower() for v in field.not_equals}
        return "true" not in values, "false" not in values
    return True, True


def _is_category(selector: AdvancedEventSelector, category: str) -> bool:
    field = _field(selector, "eventCategory")
    return field is not None and category in field.equals


def management_coverage(selectors: TrailSelectors) -> Coverage:
    coverage = Coverage()
    for basic in selectors.basic:
        if basic.include_management_events:
            coverage = coverage.merge(*_rw(basic.read_write_type), basic.exclude_management_event_sources)
    for advanced in selectors.advanced:
        if _is_category(advanced, "Management"):
            source = _field(advanced, "eventSource")
            excluded = source.not_equals if source is not None else ()
            coverage = coverage.merge(*_advanced_rw(advanced), excluded)
    return coverage


def s3_data_coverage(selectors: TrailSelectors) -> Coverage:
    """S3 object-level events for every bucket."""
    coverage = Coverage()
    for basic in selectors.basic:
        if any(d.type == S3_OBJECT and any(_ALL_BUCKETS.fullmatch(v) for v in d.values) for d in basic.data_resources):
            coverage = coverage.merge(*_rw(basic.read_write_type))
    for advanced in selectors.advanced:
        if _all_bucket_objects(advanced):
            coverage = coverage.merge(*_advanced_rw(advanced))
    return coverage


def _all_bucket_objects(selector: AdvancedEventSelector) -> bool:
    kind = _field(selector, "resources.type")
    if not _is_category(selector, "Data") or kind is None or kind.equals != (S3_OBJECT,):
        return False
    for field in selector.field_selectors:
        if field.field not in _S3_DATA_FIELDS:
            return False
        if field.field == "resources.ARN" and not _only_all_buckets(field):
            return False
        if field.field in ("eventCategory", "resources.type") and _has_other_operators(field):
            return False
    return True


def _only_all_buckets(field: FieldSelector) -> bool:
    narrowing = (field.equals, field.ends_with, field.not_equals, field.not_starts_with, field.not_ends_with)
    return not any(narrowing) and all(_ALL_BUCKETS_PREFIX.fullmatch(v) for v in field.starts_with)


def _has_other_operators(field: FieldSelector) -> bool:
    return any((field.starts_with, field.ends_with, field.not_equals, field.not_starts_with, field.not_ends_with))


def describe(trail: CloudTrailTrail) -> dict[str, object]:
    """The trail fields the account-level checks weigh, for finding details."""
    return {
        "name": trail.name,
        "arn": trail.trail_arn,
        "multi_region": trail.is_multi_region,
        "logging": trail.is_logging,
    }
