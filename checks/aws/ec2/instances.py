"""Which EC2 instances the instance checks look at."""

from __future__ import annotations

from scanner.resources.aws_ec2 import Instance

# instances on their way out: nothing left on them to protect
GONE_STATES = frozenset({"shutting-down", "terminated"})


def is_gone(instance: Instance) -> bool:
    return instance.state in GONE_STATES
