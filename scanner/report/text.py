"""Making untrusted cloud text safe to print: names and tags may hold anything."""

from __future__ import annotations

import re

# C0/C1 controls, zero-width and bidi marks, the BOM, and lone surrogates (no encoding
# can write them: a table holding one would abort on a UTF-8 terminal)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, limit: int | None = None, *, keep_end: bool = False) -> str:
    """Control, bidi, zero-width and unencodable characters become visible escapes, so a resource
    name cannot move the cursor, recolour the terminal or forge a table row.
    ``keep_end`` shortens in the middle instead: long ids (ARM ids, ARNs) end with the
    resource's own name, the part a reader needs."""
    safe = _CONTROL.sub(_escape, text)
    if limit is None or len(safe) <= limit:
        return safe
    if keep_end:
        head = limit // 3
        return safe[:head] + "…" + safe[len(safe) - (limit - head - 1):]
    return safe[: limit - 1] + "…"
