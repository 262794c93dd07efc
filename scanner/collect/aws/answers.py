"""A success answer that cannot be read is a failed read, never an empty one.

botocore reads a 2xx JSON body that does not parse (cut short, an HTML error page from
a proxy) as an answer without any field, so "ListKeys" would look like "no keys"; for
XML protocols it raises ResponseParserError, which is not a BotoCoreError and so
escapes the collectors' error handling. ``reject_unreadable`` runs before botocore
parses each answer and turns both into ``MalformedResponse``, a BotoCoreError that
the collectors already record as a typed collection error.
"""

from __future__ import annotations

import json
from typing import Any
from xml.etree import ElementTree

import botocore.exceptions

JSON_PROTOCOLS = frozenset({"json", "rest-json"})
XML_PROTOCOLS = frozenset({"query", "ec2", "rest-xml"})


class MalformedResponse(botocore.exceptions.BotoCoreError):
    fmt = "{operation}: the answer is not valid {syntax}"


def reject_unreadable(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
    """A ``before-parse`` handler: raise MalformedResponse for a 2xx body that is not
    the JSON or XML its protocol promises."""
    body = response_dict.get("body")
    status = int(response_dict.get("status_code") or 0)
    if not 200 <= status < 300 or not isinstance(body, bytes) or not body.strip() or _raw_payload(operation_model):
        return
    protocol = str(operation_model.metadata.get("protocol", ""))
    try:
        if protocol in JSON_PROTOCOLS:
            json.loads(body)
        elif protocol in XML_PROTOCOLS:
            ElementTree.fromstring(body)  # well-formedness only; botocore parses it the same way
        else:
            return
    except (ValueError, ElementTree.ParseError):
        syntax = "JSON" if protocol in JSON_PROTOCOLS else "XML"
        raise MalformedResponse(operation=operation_model.name, syntax=syntax) from None


def _raw_payload(operation_model: Any) -> bool:
    """An answer whose body is the value itself (S3 GetBucketPolicy's policy text, an
    object's bytes), not a document of the protocol: the collector validates it."""
    shape = operation_model.output_shape
    payload = shape.serialization.get("payload") if shape is not None else None
    return payload is not None and shape.members[payload].type_name in ("blob", "string")
