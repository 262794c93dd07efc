"""A check whose severity is a plain string instead of a Severity."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scanner.model import CheckSpec, Finding
from scanner.snapshot import Snapshot

BAD_SEVERITY: Any = "high"

SPEC = CheckSpec(
    id="aws_s3_bucket_broken_severity",
    title="A broken plugin check",
    severity=BAD_SEVERITY,
    provider="aws",
    service="s3",
    requires=("aws.s3.bucket",),
    remediation="none",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from ()
