"""A package of third-party checks: every module in it with a SPEC is a check."""
