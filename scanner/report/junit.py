"""JUnit XML for CI test dashboards: one test suite per check, one test case per finding.

FAIL is a <failure>, ERROR an <error>, MUTED <skipped>, PASS a plain test case.
ElementTree escapes markup; characters that XML 1.0 forbids outright (most control
characters) are replaced by visible escapes first, because no escaping makes them legal.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

from scanner.model import Finding, Status
from scanner.report.fields import details_json
from scanner.report.options import RenderOptions
from scanner.runner import ScanResult

# everything outside XML 1.0's Char production (lone surrogates included)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def xml_text(text: str) -> str:
    return _NOT_XML.sub(_escape, text)


def render(result: ScanResult, options: RenderOptions) -> str:
    by_check: dict[str, list[Finding]] = {c.spec.id: [] for c in result.checks}
    for finding in result.findings:
        by_check.setdefault(finding.check_id, []).append(finding)
    root = ET.Element("testsuites", name="skyscan")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for check_id in sorted(by_check):
        suite = _suite(check_id, by_check[check_id])
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", "0")
    if result.started_at:
        root.set("timestamp", result.started_at)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _suite(check_id: str, findings: Sequence[Finding]) -> ET.Element:
    count = {status: sum(1 for f in findings if f.status is status) for status in Status}
    suite = ET.Element(
        "testsuite",
        name=xml_text(check_id),
        tests=str(len(findings)),
        failures=str(count[Status.FAIL]),
        errors=str(count[Status.ERROR]),
        skipped=str(count[Status.MUTED]),
        time="0",
    )
    if findings:
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="title", value=xml_text(findings[0].title))
    names = [_case_name(f) for f in findings]
    repeated = {name for name, n in Counter(names).items() if n > 1}
    for finding, name in zip(findings, names, strict=True):
        if name in repeated:  # one check, several findings on one resource
            name = f"{name} #{finding.fingerprint[:8]}"
        suite.append(_case(finding, name))
    return suite


def _case_name(finding: Finding) -> str:
    return f"{finding.resource_id} ({finding.region})" if finding.region else finding.resource_id


def _case(finding: Finding, name: str) -> ET.Element:
    case = ET.Element("testcase", classname=xml_text(finding.check_id), name=xml_text(name), time="0")
    if finding.status is Status.FAIL:
        failure = ET.SubElement(case, "failure", message=xml_text(finding.reason), type=finding.severity.value)
        failure.text = xml_text(
            f"severity: {finding.severity.value}\n"
            f"account: {finding.account}\n"
            f"resource: {finding.resource_id}\n"
            f"remediation: {finding.remediation}\n"
            f"details: {details_json(finding.details)}\n"
            f"fingerprint: {finding.fingerprint}"
        )
    elif finding.status is Status.ERROR:
        error = ET.SubElement(case, "error", message=xml_text(finding.reason), type="ERROR")
        error.text = xml_text(f"account: {finding.account}\ndetails: {details_json(finding.details)}")
    elif finding.status is Status.MUTED:
        ET.SubElement(case, "skipped", message=xml_text(finding.mute_reason or "muted"))
    return case
