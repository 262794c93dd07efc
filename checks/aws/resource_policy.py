"""One finding per resource from its resource policy: the route every
``*_policy_public`` check of a policy-holding service (SQS, SNS, Lambda, EFS) shares.

The reasoning is ``checks.aws.policy``'s; this module only maps its verdict to a
finding. Details list every statement open to everyone: the public ones, and those a
condition or a Deny confines (with the confining keys), so a reader sees why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from checks.aws.policy import AllowVerdict, PolicyError, open_statements
from scanner.model import CheckSpec, Finding
from scanner.resources.aws_data import ResourcePolicy
from scanner.resources.base import Resource


def _statement(verdict: AllowVerdict) -> dict[str, Any]:
    return {
        **verdict.as_detail(),
        "public": verdict.public,
        "confined_by": list(verdict.confined_by),
        "confining_denies": list(verdict.confining_denies),
    }


def policy_findings(spec: CheckSpec, resources: Iterable[Resource], what: str) -> Iterator[Finding]:
    """FAIL when the policy has a public Allow, ERROR when it was not read or does not
    parse, else PASS. ``what`` names the resource in reasons, e.g. "queue"."""
    for resource in resources:
        policy = getattr(resource, "policy", None)
        if not isinstance(policy, ResourcePolicy):
            yield spec.error(resource, f"the {what} policy could not be read")
            continue
        if policy.document is None:
            yield spec.ok(resource, f"the {what} has no resource policy", has_policy=False,
                          public_statements=[], confined_statements=[])
            continue
        try:
            verdicts = open_statements(policy.document)
        except PolicyError as exc:
            yield spec.error(resource, f"the {what} policy is malformed: {exc}", has_policy=True)
            continue
        public = [_statement(v) for v in verdicts if v.public]
        confined = [_statement(v) for v in verdicts if not v.public]
        details: dict[str, Any] = {"has_policy": True, "public_statements": public, "confined_statements": confined}
        if public:
            yield spec.fail(resource, f"the {what} policy allows everyone", **details)
        else:
            yield spec.ok(resource, f"no statement of the {what} policy is open to everyone", **details)
