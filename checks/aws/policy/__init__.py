"""Reasoning over IAM resource policies (bucket, queue, topic, function, file system and
key policies), shared by every service's checks.

Nothing here is specific to one service: callers pass the actions, resource prefixes
and condition keys that matter to them. The modules answer:

* ``grammar``: every documented shape of a policy, normalised into ``Statement`` records.
* ``conditions``: does a condition confine a statement to something someone owns.
* ``public``: which Allow statements are open to anyone, and why.
* ``actions``: do Action patterns read, write or both.
* ``transport``: does a Deny refuse every request made without TLS.

Every public name stays importable from ``checks.aws.policy``.
"""

from __future__ import annotations

from checks.aws.policy.actions import READ_VERBS, classify_actions
from checks.aws.policy.conditions import CONFINES, CONFINING_KEYS, ConditionVerdict, condition_verdict
from checks.aws.policy.grammar import Condition, PolicyError, Principal, Statement, parse, wildcard_match
from checks.aws.policy.public import AllowVerdict, allow_verdicts, open_principal, open_statements, public_statements
from checks.aws.policy.transport import TransportDeny, insecure_transport_denial

__all__ = [
    "CONFINES",
    "CONFINING_KEYS",
    "READ_VERBS",
    "AllowVerdict",
    "Condition",
    "ConditionVerdict",
    "PolicyError",
    "Principal",
    "Statement",
    "TransportDeny",
    "allow_verdicts",
    "classify_actions",
    "condition_verdict",
    "insecure_transport_denial",
    "open_principal",
    "open_statements",
    "parse",
    "public_statements",
    "wildcard_match",
]
