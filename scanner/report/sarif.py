"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps).

One run. Every check that ran is a rule; FAIL findings are results, MUTED findings are
results with an external suppression, ERROR findings and collection errors are
tool-execution notifications (and make the invocation unsuccessful). PASS findings are
left out: SARIF results are problems.

Cloud resources are not files, but GitHub rejects a result without a physical location,
so each result carries a synthetic, stable, repository-relative path
``<provider>/<account>/<region>/<resource type>/<quoted name>`` next to the real
identity in ``logicalLocations`` (the ARN or resource id).
"""

from __future__ import annotations

import json
from importlib import metadata
from typing import Any
from urllib.parse import quote, urlsplit

from scanner import __version__
from scanner.model import CheckSpec, Finding, Severity, Status
from scanner.report.fields import clean, compliance_labels, details_data, resource_names
from scanner.report.options import RenderOptions
from scanner.runner import ScanResult
from scanner.snapshot import CollectionError

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "skyscanFingerprint/v1"

# GitHub ranks alerts by this number: >= 9 critical, >= 7 high, >= 4 medium, else low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
BASELINE_STATE = {"new": "new", "existing": "unchanged"}


def render(result: ScanResult, options: RenderOptions) -> str:
    # ASCII output: any odd character in cloud data becomes a JSON escape, never bad UTF-8
    return json.dumps(document(result), indent=2, ensure_ascii=True) + "\n"


def document(result: ScanResult) -> dict[str, Any]:
    specs = _rule_specs(result)
    index = {spec.id: i for i, spec in enumerate(specs)}
    names = resource_names(result)
    results = [
        _result(f, index[f.check_id], names)
        for f in result.findings
        if f.status in (Status.FAIL, Status.MUTED)
    ]
    notifications = [_error_notification(f, index[f.check_id], names)
                     for f in result.findings if f.status is Status.ERROR]
    notifications += [_collection_notification(e) for e in result.snapshot.errors]
    invocation: dict[str, Any] = {
        "executionSuccessful": result.complete,
        "toolExecutionNotifications": notifications,
    }
    if result.started_at:
        invocation["startTimeUtc"] = result.started_at
    if result.finished_at:
        invocation["endTimeUtc"] = result.finished_at
    driver: dict[str, Any] = {
        "name": "skyscan",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(spec) for spec in specs],
    }
    home = information_uri()
    if home:
        driver["informationUri"] = home
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def information_uri() -> str | None:
    """The project's home page as the installed package declares it (``[project.urls]``
    Homepage or Repository); None when it declares none."""
    try:
        entries = metadata.metadata("skyscan").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = dict(_split_project_url(e) for e in entries)
    for label in ("homepage", "repository", "source", "documentation"):
        if label in urls and _is_web_url(urls[label]):
            return urls[label]
    return None


def _split_project_url(entry: str) -> tuple[str, str]:
    label, _, url = entry.partition(",")
    return label.strip().lower(), url.strip()


def _is_web_url(text: str) -> bool:
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text


def _rule_specs(result: ScanResult) -> list[CheckSpec]:
    specs = {check.spec.id: check.spec for check in result.checks}
    # a finding whose check is not in result.checks still needs a rule to point at
    for finding in result.findings:
        if finding.check_id not in specs:
            specs[finding.check_id] = CheckSpec(
                id=finding.check_id, title=finding.title, severity=finding.severity,
                provider=finding.provider, service="", requires=(), remediation=finding.remediation,
                compliance=finding.compliance,
            )
    return sorted(specs.values(), key=lambda s: s.id)


def _rule(spec: CheckSpec) -> dict[str, Any]:
    urls = [r for r in spec.references if _is_web_url(r)]
    rule: dict[str, Any] = {
        "id": spec.id,
        "name": "".join(part.capitalize() for part in spec.id.split("_")),
        "shortDescription": {"text": spec.title},
        "fullDescription": {"text": spec.description or spec.title},
        "help": {"text": _help_text(spec), "markdown": _help_markdown(spec)},
        "defaultConfiguration": {"level": LEVEL[spec.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[spec.severity],
            "tags": ["security", *(c.value for c in spec.categories), *compliance_labels(spec.compliance, "/")],
            "precision": "high",
            "severity": spec.severity.value,
            "provider": spec.provider,
        },
    }
    if urls:
        rule["helpUri"] = urls[0]
    return rule


def _help_text(spec: CheckSpec) -> str:
    lines = [spec.description or spec.title, "", f"Remediation: {spec.remediation}"]
    if spec.references:
        lines += ["", "References:", *(f"- {r}" for r in spec.references)]
    return "\n".join(lines)


def _help_markdown(spec: CheckSpec) -> str:
    # a fence longer than any backtick run in the command, so the command cannot end it
    fence = "`" * max(3, _longest_run(spec.remediation, "`") + 1)
    lines = [spec.description or spec.title, "", "**Remediation**", "", f"{fence}sh", spec.remediation, fence]
    urls = [r for r in spec.references if _is_web_url(r)]
    if urls:
        lines += ["", "**References**", "", *(f"- <{u}>" for u in urls)]
    return "\n".join(lines)


def _longest_run(text: str, char: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        longest = max(longest, run)
    return longest


def artifact_uri(provider: str, account: str, region: str, resource_type: str, name: str) -> str:
    """A relative path that is stable across runs; every segment percent-encoded."""
    return "/".join(quote(clean(part), safe="") or "-" for part in (provider, account, region, resource_type, name))


def _locations(finding: Finding, names: dict[str, str]) -> list[dict[str, Any]]:
    name = names.get(finding.resource_id, finding.resource_id)
    uri = artifact_uri(finding.provider, finding.account, finding.region, finding.resource_type, name)
    return [{
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
        "logicalLocations": [{"fullyQualifiedName": finding.resource_id, "kind": "resource"}],
    }]


def _properties(finding: Finding) -> dict[str, Any]:
    return {
        "provider": finding.provider,
        "account": finding.account,
        "region": finding.region,
        "resource_type": finding.resource_type,
        "severity": finding.severity.value,
        "details": details_data(finding.details),
        "baseline": finding.baseline,
    }


def _result(finding: Finding, rule_index: int, names: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ruleId": finding.check_id,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{finding.reason} ({finding.resource_id})"},
        "locations": _locations(finding, names),
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": _properties(finding),
    }
    if finding.baseline in BASELINE_STATE:
        doc["baselineState"] = BASELINE_STATE[finding.baseline]
    if finding.status is Status.MUTED:
        suppression: dict[str, Any] = {"kind": "external", "status": "accepted"}
        if finding.mute_reason:
            suppression["justification"] = finding.mute_reason
        doc["suppressions"] = [suppression]
    return doc


def _error_notification(finding: Finding, rule_index: int, names: dict[str, str]) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": f"{finding.check_id} could not evaluate {finding.resource_id}: {finding.reason}"},
        "associatedRule": {"id": finding.check_id, "index": rule_index},
        "locations": _locations(finding, names),
        "properties": {**_properties(finding), "fingerprint": finding.fingerprint},
    }


def _collection_notification(error: CollectionError) -> dict[str, Any]:
    target = error.resource_id or f"every {error.resource_type}"
    return {
        "level": "error",
        "message": {
            "text": f"{error.service} {error.operation} failed with {error.code} for {target} "
                    f"in {error.account}/{error.region}: {error.message}"
        },
        "properties": {
            "provider": error.provider,
            "account": error.account,
            "region": error.region,
            "service": error.service,
            "operation": error.operation,
            "code": error.code,
            "resource_type": error.resource_type,
            "resource_id": error.resource_id,
        },
    }
