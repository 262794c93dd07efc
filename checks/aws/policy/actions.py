"""Whether Action patterns read, write or both."""

from __future__ import annotations

from collections.abc import Iterable

from checks.aws.policy.grammar import WILDCARD

READ_VERBS = (
    "Get", "List", "Describe", "Head", "Read", "Select", "Receive", "Query", "Scan",
    "Search", "Download", "View", "BatchGet", "Decrypt",
)  # fmt: skip


def classify_actions(patterns: Iterable[str]) -> str:
    """Classify Action patterns as "read", "write", "both" or "none".

    An action whose verb starts with one of READ_VERBS reads; any other action writes
    (the safe assumption). A wildcard that could reach both kinds (``*``, ``s3:*``,
    ``s3:*Object``, ``s3:De*``) is both."""
    read = write = False
    for pattern in patterns:
        verb = pattern.split(":", 1)[1] if ":" in pattern else pattern
        literal = WILDCARD.split(verb, 1)[0]
        wild = literal != verb
        reads = any(literal.startswith(v) for v in READ_VERBS)
        if reads:
            read = True
        elif wild and (not literal or any(v.startswith(literal) for v in READ_VERBS)):
            read = write = True
        else:
            write = True
    return {(True, True): "both", (True, False): "read", (False, True): "write"}.get((read, write), "none")
