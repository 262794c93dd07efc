"""Which statements of a KMS key policy open the key to everyone.

The general reasoning is checks/aws/policy.py's (open principals, confining conditions,
confining denies). KMS adds one confining key of its own: ``kms:CallerAccount``, which
AWS-managed key policies use with Principal "*" ("anyone in account X, through service
Y"). A statement whose open principal is confined by a positive, fixed 12-digit
``kms:CallerAccount`` match is therefore not public.
"""

from __future__ import annotations

import re
from typing import Any

from checks.aws.policy import AllowVerdict, Condition, allow_verdicts

CALLER_ACCOUNT = "kms:calleraccount"
_MATCHES = frozenset({"stringequals", "stringlike", "stringequalsignorecase"})
_ACCOUNT_ID = re.compile(r"\d{12}")


def public_key_statements(document: Any) -> tuple[AllowVerdict, ...]:
    """The Allow statements that open the key to anyone; raises PolicyError when the
    document does not follow the policy grammar."""
    return tuple(
        v for v in allow_verdicts(document)
        if v.public and not any(_confines_caller(c) for c in v.statement.conditions)
    )


def _confines_caller(c: Condition) -> bool:
    return (
        c.key_lower == CALLER_ACCOUNT
        and c.base in _MATCHES
        and c.qualifier is None
        and not c.if_exists
        and bool(c.values)
        and all(_ACCOUNT_ID.fullmatch(v) for v in c.values)
    )
