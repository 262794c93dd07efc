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
