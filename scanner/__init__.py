"""skyscan: a cloud security posture scanner for AWS and Azure."""

__version__ = "0.1.0"
