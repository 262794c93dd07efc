"""Helpers shared by the tests that read skyscan's reports."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "scanner" / "report" / "report.schema.json"


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
