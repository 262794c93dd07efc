"""Does one condition confine a statement to something an owner controls?

A condition confines only when its key is one of ``CONFINING_KEYS``, its operator is a
positive string/ARN match (``IpAddress`` for ``aws:SourceIp``), it has no ``IfExists``
suffix and no ``ForAllValues:`` qualifier (both are true when the key is absent, as it
is for anonymous callers), and every value is fixed: no wildcard and no policy
variable. Exceptions, as S3 documents them: an ARN key with a fixed account id may use
wildcards in its resource part, ``aws:userid`` may be ``"<unique-id>:*"``, and
``aws:PrincipalOrgPaths`` / ``aws:SourceOrgPaths`` may end in a wildcard after a fixed
organisation id. ``aws:SourceIp`` confines when every CIDR is at most as wide as /8
(IPv4) or /32 (IPv6). ``aws:username`` does not confine: user names are not unique
across accounts.

The keys are global keys plus the few service keys that name an owned resource, so the
same rules serve S3, SQS, SNS, Lambda, KMS and any other resource policy. A service key
that never appears in another service's requests (``s3:DataAccessPointArn`` in a queue
policy) makes a positive match false there, so listing it for everyone is harmless.
``lambda:FunctionUrlAuthType`` and ``lambda:EventSourceToken`` do not confine: the
first only says how callers authenticate (``AWS_IAM`` admits any AWS account), the
second is a value the caller supplies.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from checks.aws.policy.grammar import WILDCARD, Condition

# Lower case; values under these keys name something an owner controls.
CONFINING_KEYS = frozenset((
    "aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceaccount",
    "aws:sourceowner", "aws:sourceorgid", "aws:sourceorgpaths", "aws:principalorgid",
    "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
    "aws:principalservicename", "aws:userid", "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn", "s3:x-amz-server-side-encryption-aws-kms-key-id",
))  # fmt: skip
_IP_KEYS = frozenset({"aws:sourceip"})
_MATCH_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})
_NEGATED_OPERATORS = frozenset(
    {"stringnotequals", "stringnotequalsignorecase", "stringnotlike", "arnnotequals", "arnnotlike"}
)
# ARN keys whose values confine with a wildcard in the resource part, the account being fixed
_ACCOUNT_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn"})
_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})

# Why a condition does not confine (ConditionVerdict.reason); CONFINES when it does.
CONFINES = "confines"


@dataclass(frozen=True)
class ConditionVerdict:
    key: str
    operator: str
    reason: str  # CONFINES, or the code saying why not (e.g. "wide-cidr", "if-exists")

    @property
    def confines(self) -> bool:
        return self.reason == CONFINES


def condition_verdict(condition: Condition) -> ConditionVerdict:
    return ConditionVerdict(condition.key, condition.operator, _confinement(condition))


def _confinement(c: Condition) -> str:
    if c.key_lower not in CONFINING_KEYS:
        return "key-not-confining"
    if "not" in c.base:
        return "negated-operator"
    if c.qualifier == "forallvalues":
        return "for-all-values"
    if c.if_exists:
        return "if-exists"
    wanted = frozenset({"ipaddress"}) if c.key_lower in _IP_KEYS else _MATCH_OPERATORS
    if c.base not in wanted:
        return "operator-not-confining"
    if not c.values:
        return "empty-value"
    check = _cidr_problem if c.key_lower in _IP_KEYS else _value_problem
    problems = [p for p in (check(c.key_lower, v) for v in c.values) if p]
    return problems[0] if problems else CONFINES


def denies_outsiders(c: Condition) -> bool:
    """True when a Deny with this condition refuses everyone outside a fixed set: a
    negated match on a confining key (true when the key is absent) with fixed values."""
    if c.key_lower not in CONFINING_KEYS or c.qualifier is not None or not c.values:
        return False
    if c.key_lower in _IP_KEYS:
        return c.base == "notipaddress" and not any(_cidr_problem(c.key_lower, v) for v in c.values)
    return c.base in _NEGATED_OPERATORS and not any(_value_problem(c.key_lower, v) for v in c.values)


def _value_problem(key: str, value: str) -> str | None:
    if "${" in value:
        return "policy-variable"
    if not value:
        return "empty-value"
    if not WILDCARD.search(value):
        return None
    if key in _ACCOUNT_ARN_KEYS and _arn_with_fixed_account(value):
        return None
    if key == "aws:userid" and re.fullmatch(r"[^*?:]+:\*", value):
        return None
    head, slash, _ = value.partition("/")
    if key in _ORG_PATH_KEYS and slash and head.startswith("o-") and not WILDCARD.search(head):
        return None
    return "wildcard-value"


def _arn_with_fixed_account(value: str) -> bool:
    parts = value.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and re.fullmatch(r"\d{12}", parts[4]) is not None
        and not any(WILDCARD.search(p) for p in parts[:5])
    )


def _cidr_problem(_key: str, value: str) -> str | None:
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return "invalid-cidr"
    widest = 8 if network.version == 4 else 32
    return "wide-cidr" if network.prefixlen < widest else None
