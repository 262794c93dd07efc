"""Does an identity policy grant full administrative access ("*:*")?

CIS AWS Foundations 1.16 names the statement ``"Effect": "Allow", "Action": "*",
"Resource": "*"``. Statements are normalised by ``checks.aws.policy.parse`` (a single
statement or a list, Action as a string or a list), and an Allow is full access when
one of its actions matches every action and one of its resources every resource:

* action ``"*"`` or ``"*:*"`` (only wildcards around at most one colon);
* resource ``"*"``, or an ARN pattern that is nothing but wildcards after
  ``arn:<partition>:`` (``"arn:aws:*"``, ``"arn:*:*:*:*:*"``), which matches every ARN.

NotAction and NotResource never count (they grant "all but", not "all"); conditions do
not exempt a statement (CIS does not), but are reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from checks.aws.policy import PolicyError, Statement, parse
from scanner.resources.aws_iam import InlinePolicy

__all__ = ["PolicyError", "full_admin_statements", "inline_admin", "is_aws_managed", "statement_detail"]

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
_WILDCARD = re.compile(r"[*?]")


def full_admin_statements(document: Any) -> tuple[Statement, ...]:
    """The Allow statements granting every action on every resource; raises
    PolicyError when the document does not follow the policy grammar."""
    return tuple(
        s
        for s in parse(document)
        if s.effect == "Allow"
        and not s.action_negated
        and not s.resource_negated
        and any(_every_action(a) for a in s.actions)
        and any(_every_resource(r) for r in s.resources)
    )


def statement_detail(statement: Statement) -> dict[str, Any]:
    return {
        "index": statement.index,
        "sid": statement.sid,
        "actions": list(statement.actions),
        "resources": list(statement.resources),
        "condition_keys": sorted({c.key for c in statement.conditions}),
    }


def is_aws_managed(arn: str, name: str) -> bool:
    """Whether ``arn`` is the AWS-managed policy ``name`` (in any partition)."""
    return re.fullmatch(rf"arn:[a-z-]+:iam::aws:policy/(?:.+/)?{re.escape(name)}", arn) is not None


def _every_action(pattern: str) -> bool:
    return "*" in pattern and set(pattern) <= {"*", ":"} and pattern.count(":") <= 1


def _every_resource(pattern: str) -> bool:
    if pattern and set(pattern) == {"*"}:
        return True
    literal = _WILDCARD.split(pattern, maxsplit=1)[0]
    rest = pattern[len(literal) :]
    if not rest or set(rest) - {"*", ":"}:
        return False
    return any(f"arn:{partition}:".startswith(literal) for partition in PARTITIONS)


def inline_admin(policies: Iterable[InlinePolicy]) -> tuple[list[str], list[str]]:
    """(names of inline policies granting "*:*", names of malformed ones)."""
    granting: list[str] = []
    malformed: list[str] = []
    for policy in policies:
        try:
            if full_admin_statements(policy.document):
                granting.append(policy.name)
        except PolicyError:
            malformed.append(policy.name)
    return sorted(granting), sorted(malformed)
