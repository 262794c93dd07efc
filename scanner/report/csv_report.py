"""CSV for spreadsheets and ticket imports: one row per finding, fixed column order.

A spreadsheet treats a cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return as a formula, so such a cell (a bucket name, a tag, a reason quoting either)
gets a leading apostrophe and is shown as text.
"""

from __future__ import annotations

import csv
import io

from scanner.model import Finding
from scanner.report.fields import clean, compliance_labels, details_json
from scanner.report.options import RenderOptions
from scanner.runner import ScanResult

COLUMNS = (
    "severity", "status", "check_id", "title", "provider", "account", "region", "resource_id",
    "resource_type", "reason", "remediation", "compliance", "fingerprint", "baseline", "mute_reason",
    "details",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(cell: str) -> str:
    cell = clean(cell)
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def row(finding: Finding) -> list[str]:
    values = {
        "severity": finding.severity.value,
        "status": finding.status.value,
        "check_id": finding.check_id,
        "title": finding.title,
        "provider": finding.provider,
        "account": finding.account,
        "region": finding.region,
        "resource_id": finding.resource_id,
        "resource_type": finding.resource_type,
        "reason": finding.reason,
        "remediation": finding.remediation,
        "compliance": "; ".join(compliance_labels(finding.compliance)),
        "fingerprint": finding.fingerprint,
        "baseline": finding.baseline or "",
        "mute_reason": finding.mute_reason or "",
        "details": details_json(finding.details),
    }
    return [defuse(values[c]) for c in COLUMNS]


def render(result: ScanResult, options: RenderOptions) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    # QUOTE_MINIMAL quotes a cell holding the line terminator's characters only (Python
    # 3.11), so a carriage return in a name would end the row for a reader: such rows
    # quote every cell
    quoted = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(COLUMNS)
    for cells in (row(f) for f in result.findings):
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()
