"""Mute files: YAML entries that accept known findings, each with a reason and an
optional expiry date.

::

    mutes:
      - check: aws_s3_bucket_versioning     # glob on the check id
        account: "123456789012"             # glob on the account or subscription id
        region: eu-*                        # glob on the region
        resource: "arn:aws:s3:::scratch-*"  # glob on the resource id
        tags: {env: sandbox}                # each tag must be on the resource; the value is a glob
        reason: throwaway buckets, no data  # required
        expires: 2025-12-31                 # optional: mutes through that day (UTC), not after

An entry needs at least one selector and matches a finding when every selector it has
matches (globs are case-sensitive ``fnmatch`` patterns). The file is read as YAML
nodes, not values, so that every error can name its line and so that an unquoted
account id such as ``012345678901`` keeps its leading zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

import yaml

from scanner.model import Finding, Status
from scanner.snapshot import Snapshot

SELECTORS = ("check", "account", "region", "resource", "tags")
KEYS = (*SELECTORS, "reason", "expires")
_NULL_TAG = "tag:yaml.org,2002:null"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MuteFileError(Exception):
    """A mute file that cannot be used; one line naming the file and the line."""


@dataclass(frozen=True)
class MuteRule:
    index: int  # position in the ``mutes:`` list, from 0
    line: int  # line of the entry in the file, from 1
    reason: str
    expires: date | None = None
    check: str | None = None
    account: str | None = None
    region: str | None = None
    resource: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    def is_expired(self, today: date) -> bool:
        """Still active on the expiry day itself; expired from the next day on."""
        return self.expires is not None and today > self.expires

    def matches(self, finding: Finding, tags: Mapping[str, str]) -> bool:
        pairs = (
            (self.check, finding.check_id),
            (self.account, finding.account),
            (self.region, finding.region),
            (self.resource, finding.resource_id),
        )
        if any(pattern is not None and not fnmatchcase(value, pattern) for pattern, value in pairs):
            return False
        return all(key in tags and fnmatchcase(tags[key], pattern) for key, pattern in self.tags)


@dataclass(frozen=True)
class MuteFile:
    file: str
    rules: tuple[MuteRule, ...]


@dataclass(frozen=True)
class MuteSummary:
    """What a mute file did to one scan."""

    file: str
    applied: int  # findings muted
    expired: tuple[MuteRule, ...]  # past their date: muted nothing
    stale: tuple[MuteRule, ...]  # active but matched no failing finding: safe to delete


def load(path: Path) -> MuteFile:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MuteFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MuteFileError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    return MuteFile(str(path), parse(text, str(path)))


def parse(text: str, source: str) -> tuple[MuteRule, ...]:
    root = _compose(text, source)
    if root is None:
        raise MuteFileError(f"{source}:1: the file is empty; expected a top-level 'mutes:' list")
    if not isinstance(root, yaml.MappingNode):
        raise MuteFileError(f"{_at(source, root)}: expected a mapping with a top-level 'mutes:' list")
    entries: yaml.Node | None = None
    for key, value in _pairs(root, source, "top level"):
        if key.value != "mutes":
            raise MuteFileError(f"{_at(source, key)}: unknown top-level key {key.value!r} (expected: mutes)")
        entries = value
    if entries is None:
        raise MuteFileError(f"{_at(source, root)}: missing the top-level 'mutes:' list")
    if _is_null(entries):  # every entry commented out
        return ()
    if not isinstance(entries, yaml.SequenceNode):
        raise MuteFileError(f"{_at(source, entries)}: mutes: expected a list of entries")
    return tuple(_rule(node, index, source) for index, node in enumerate(entries.value))


def apply(
    mutes: MuteFile, findings: Sequence[Finding], snapshot: Snapshot, today: date
) -> tuple[tuple[Finding, ...], MuteSummary]:
    """Mute every non-PASS finding an active entry matches; the first matching entry
    gives the reason, and every matching entry counts as used (not stale)."""
    active = [r for r in mutes.rules if not r.is_expired(today)]
    tags = resource_tags(snapshot)
    used: set[int] = set()
    result: list[Finding] = []
    applied = 0
    for finding in findings:
        hits = [] if finding.status in (Status.PASS, Status.MUTED) else [
            r for r in active if r.matches(finding, tags.get(finding.resource_id, {}))
        ]
        if hits:
            used.update(r.index for r in hits)
            finding = replace(finding, status=Status.MUTED, mute_reason=hits[0].reason)
            applied += 1
        result.append(finding)
    expired = tuple(r for r in mutes.rules if r.is_expired(today))
    stale = tuple(r for r in active if r.index not in used)
    return tuple(result), MuteSummary(mutes.file, applied, expired, stale)


def resource_tags(snapshot: Snapshot) -> dict[str, Mapping[str, str]]:
    """Tags by resource id. A finding on no record (a failed listing, a check that
    could not run) has no tags, so a tag selector never mutes it."""
    tags: dict[str, Mapping[str, str]] = {}
    for record in snapshot.all_resources():
        tags.setdefault(record.resource_id, record.tags)
    return tags


# parsing -----------------------------------------------------------------------------


def _compose(text: str, source: str) -> yaml.Node | None:
    loader = None  # yaml.compose, keeping the loader to say where it stopped
    try:
        loader = yaml.SafeLoader(text)
        return loader.get_single_node()  # type: ignore[no-any-return]
    except RecursionError:  # the composer recurses once per level of nesting
        line = loader.line + 1 if loader is not None else 1
        raise MuteFileError(f"{source}:{line}: not valid YAML: nested too deeply") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise MuteFileError(f"{source}:{line}: not valid YAML: {problem}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        code = exc.character if isinstance(exc.character, int) else ord(exc.character[:1] or "\0")
        raise MuteFileError(f"{source}:{line}: not valid YAML: character U+{code:04X} is not allowed") from None
    except yaml.YAMLError as exc:
        raise MuteFileError(f"{source}: not valid YAML ({exc.__class__.__name__})") from None
    finally:
        if loader is not None:
            loader.dispose()


def _rule(node: yaml.Node, index: int, source: str) -> MuteRule:
    where = f"mutes[{index}]"
    if not isinstance(node, yaml.MappingNode):
        raise MuteFileError(f"{_at(source, node)}: {where}: expected a mapping of {', '.join(KEYS)}")
    fields: dict[str, object] = {}
    for key, value in _pairs(node, source, where):
        name = key.value
        if name not in KEYS:
            raise MuteFileError(f"{_at(source, key)}: {where}: unknown key {name!r} (expected: {', '.join(KEYS)})")
        if name == "tags":
            fields["tags"] = _tags(value, source, where)
        elif name == "expires":
            fields["expires"] = _date(value, source, f"{where}.expires")
        else:
            fields[name] = _text(value, source, f"{where}.{name}")
    if not any(key in fields for key in SELECTORS):
        raise MuteFileError(f"{_at(source, node)}: {where}: needs at least one of {', '.join(SELECTORS)}")
    if "reason" not in fields:
        raise MuteFileError(f"{_at(source, node)}: {where}: missing reason (say why this is accepted)")
    return MuteRule(index=index, line=node.start_mark.line + 1, **fields)  # type: ignore[arg-type]


def _pairs(node: yaml.MappingNode, source: str, where: str) -> list[tuple[yaml.ScalarNode, yaml.Node]]:
    """The mapping's (key, value) nodes, refusing keys that are not text and repeated
    keys (YAML would silently keep the last one)."""
    seen: set[str] = set()
    pairs = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode) or _is_null(key):
            raise MuteFileError(f"{_at(source, key)}: {where}: keys must be plain text")
        if key.value in seen:
            raise MuteFileError(f"{_at(source, key)}: {where}: key {key.value!r} is repeated")
        seen.add(key.value)
        pairs.append((key, value))
    return pairs


def _text(node: yaml.Node, source: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or _is_null(node) or not node.value.strip():
        raise MuteFileError(f"{_at(source, node)}: {where}: expected a non-empty string")
    return str(node.value)


def _tags(node: yaml.Node, source: str, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise MuteFileError(f"{_at(source, node)}: {where}.tags: expected a mapping of tag name to value glob")
    tags = []
    for key, value in _pairs(node, source, f"{where}.tags"):
        if not isinstance(value, yaml.ScalarNode) or _is_null(value):
            raise MuteFileError(f"{_at(source, key)}: {where}.tags.{key.value}: expected a value glob")
        tags.append((str(key.value), str(value.value)))
    return tuple(tags)


def _date(node: yaml.Node, source: str, where: str) -> date:
    text = node.value if isinstance(node, yaml.ScalarNode) else None
    found = repr(text) if isinstance(text, str) else "a list or mapping"
    problem = f"{_at(source, node)}: {where}: expected a date YYYY-MM-DD, found {found}"
    if not (isinstance(text, str) and _DATE.match(text)):
        raise MuteFileError(problem)
    try:
        return date.fromisoformat(text)
    except ValueError:  # well-formed but impossible, such as 2025-02-30
        raise MuteFileError(problem) from None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _at(source: str, node: yaml.Node) -> str:
    return f"{source}:{node.start_mark.line + 1}"
