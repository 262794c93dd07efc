"""Earlier JSON reports read back, and a scan's findings marked new or existing
against one (``skyscan scan --baseline previous.json``).

A report is validated only as far as its use needs: a baseline needs each finding's
fingerprint and status; ``skyscan diff`` also needs check id, resource id and severity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from scanner.model import Finding, Severity, Status

REPORT_SCHEMA_VERSION = "1.0"
_FINGERPRINT = re.compile(r"^[0-9a-f]{32}$")
_OPTIONAL_TEXT = ("check_id", "title", "account", "region", "resource_id", "reason")
# JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 writer can encode
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_UNENCODABLE = "text holds a lone surrogate escape (\\udXXX), which is not Unicode"


class ReportFileError(Exception):
    """A report file that cannot be used; one line naming the file and the field."""


@dataclass(frozen=True)
class PriorFinding:
    fingerprint: str
    status: Status
    severity: Severity | None = None
    check_id: str = ""
    title: str = ""
    account: str = ""
    region: str = ""
    resource_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class PriorReport:
    file: str
    finished_at: str
    findings: tuple[PriorFinding, ...]

    def by_fingerprint(self) -> dict[str, PriorFinding]:
        return {f.fingerprint: f for f in self.findings}


@dataclass(frozen=True)
class BaselineSummary:
    file: str
    new: int
    existing: int


def read_report(path: Path, *, full: bool = False) -> PriorReport:
    """Parse a JSON report file; ``full`` also requires what a diff shows."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportFileError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportFileError(f"{path}: cannot read ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    except ValueError:  # a number longer than Python converts (sys.get_int_max_str_digits)
        raise ReportFileError(f"{path}: not usable JSON (a number with too many digits)") from None
    except RecursionError:
        raise ReportFileError(f"{path}: not usable JSON (nested too deeply)") from None
    return parse_report(data, str(path), full=full)


def parse_report(data: Any, source: str, *, full: bool = False) -> PriorReport:
    if not isinstance(data, dict):
        raise ReportFileError(f"{source}: top level: expected a JSON object (a skyscan JSON report)")
    if data.get("schema_version") != REPORT_SCHEMA_VERSION:
        raise ReportFileError(
            f"{source}: schema_version: expected {REPORT_SCHEMA_VERSION!r}, found {_short(data.get('schema_version'))}"
        )
    raw = data.get("findings")
    if not isinstance(raw, list):
        raise ReportFileError(f"{source}: findings: expected a list")
    scan = data.get("scan")
    finished = scan.get("finished_at") if isinstance(scan, dict) else None
    if isinstance(finished, str) and _LONE_SURROGATE.search(finished):
        raise ReportFileError(f"{source}: scan.finished_at: {_UNENCODABLE}")
    findings = tuple(_finding(item, f"{source}: findings[{i}]", full) for i, item in enumerate(raw))
    return PriorReport(source, finished if isinstance(finished, str) else "", findings)


def _finding(item: Any, where: str, full: bool) -> PriorFinding:
    if not isinstance(item, dict):
        raise ReportFileError(f"{where}: expected an object")
    fingerprint = item.get("fingerprint")
    if not (isinstance(fingerprint, str) and _FINGERPRINT.match(fingerprint)):
        raise ReportFileError(f"{where}.fingerprint: expected 32 lowercase hex digits, found {_short(fingerprint)}")
    try:
        status = Status(item.get("status"))
    except ValueError:
        raise ReportFileError(
            f"{where}.status: expected one of {', '.join(s.value for s in Status)}, found {_short(item.get('status'))}"
        ) from None
    texts: dict[str, str] = {}
    for name in _OPTIONAL_TEXT:
        value = item.get(name, "")
        required = full and name in ("check_id", "resource_id")
        if not isinstance(value, str) or (required and not value):
            kind = "a non-empty string" if required else "a string"
            raise ReportFileError(f"{where}.{name}: expected {kind}, found {_short(value)}")
        if _LONE_SURROGATE.search(value):
            raise ReportFileError(f"{where}.{name}: {_UNENCODABLE}")
        texts[name] = value
    severity = None
    if full or "severity" in item:
        try:
            severity = Severity(item.get("severity"))
        except ValueError:
            raise ReportFileError(
                f"{where}.severity: expected one of {', '.join(s.value for s in Severity)}, "
                f"found {_short(item.get('severity'))}"
            ) from None
    return PriorFinding(fingerprint, status, severity, **texts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def is_existing(finding: Finding, before: PriorFinding | None) -> bool:
    """Known already: the baseline held it as a failure (FAIL, or MUTED: accepted), or,
    for an ERROR now, as an ERROR too. A FAIL that was PASS, ERROR or absent is new, so a
    gate fails closed when a read that was denied yesterday reveals a problem today."""
    if before is None:
        return False
    if before.status in (Status.FAIL, Status.MUTED):
        return True
    return finding.status is Status.ERROR and before.status is Status.ERROR


def mark(findings: Sequence[Finding], prior: PriorReport) -> tuple[tuple[Finding, ...], BaselineSummary]:
    """Set ``baseline`` on FAIL and ERROR findings (the ones a gate can count); PASS and
    MUTED findings keep None."""
    known = prior.by_fingerprint()
    marked: list[Finding] = []
    counts = {"new": 0, "existing": 0}
    for finding in findings:
        if finding.status in (Status.FAIL, Status.ERROR):
            label = "existing" if is_existing(finding, known.get(finding.fingerprint)) else "new"
            counts[label] += 1
            finding = replace(finding, baseline=label)
        marked.append(finding)
    return tuple(marked), BaselineSummary(prior.file, counts["new"], counts["existing"])
