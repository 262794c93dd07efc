"""Helpers shared by the tests that read skyscan's reports."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "scanner" / "report" / "report.schema.json"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-2.1.0.json"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def load_report(path: Path) -> dict[str, Any]:
    """Parse a JSON report and validate it against the shipped schema."""
    doc: dict[str, Any] = json.loads(path.read_text())
    _validator().validate(doc)
    return doc


def validate_report_text(text: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(text)
    _validator().validate(doc)
    return doc


@cache
def sarif_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    # This copy keeps the log object's own constraints in definitions.Root and none at
    # the top level, so the file as it stands accepts any JSON at all: validate against Root.
    assert "Root" in schema["definitions"]
    schema = {**schema, "$ref": "#/definitions/Root"}
    jsonschema.Draft7Validator.check_schema(schema)
    checker = jsonschema.Draft7Validator.FORMAT_CHECKER
    # without these, format checking would silently pass anything
    assert {"uri", "uri-reference", "date-time"} <= set(checker.checkers)
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def findings_by_resource(doc: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """A report's findings as resource id -> check id -> finding."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for finding in doc["findings"]:
        found.setdefault(finding["resource_id"], {})[finding["check_id"]] = finding
    return found


def assert_seeded_verdicts(
    found: dict[str, dict[str, dict[str, Any]]],
    unsafe: dict[str, set[str]],
    safe: list[str],
    account: str,
    ignore: tuple[str, ...] = (),
) -> None:
    """Each unsafe resource (an ARN) FAILs exactly the expected checks, under its account
    and its ARN's region; each safe one has findings, all PASS (checks in ``ignore`` aside)."""
    for resource_id, expected in unsafe.items():
        region = resource_id.split(":")[3]
        findings = found[resource_id]
        failed = {c for c, f in findings.items() if f["status"] == "FAIL"}
        assert failed == expected, resource_id
        assert {(findings[c]["account"], findings[c]["region"]) for c in failed} <= {(account, region)}, resource_id
    for resource_id in safe:
        statuses = {c: f["status"] for c, f in found[resource_id].items() if c not in ignore}
        assert statuses and set(statuses.values()) == {"PASS"}, (resource_id, statuses)
