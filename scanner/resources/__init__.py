"""Typed records that collectors produce and checks read."""

from __future__ import annotations

from scanner.resources.aws import AWS_RESOURCE_TYPES
from scanner.resources.aws_ec2 import EC2_RESOURCE_TYPES
from scanner.resources.aws_iam import IAM_RESOURCE_TYPES
from scanner.resources.azure import AZURE_RESOURCE_TYPES
from scanner.resources.base import Resource

BUILTIN_RESOURCE_TYPES: dict[str, type[Resource]] = {cls.TYPE: cls for cls in AWS_RESOURCE_TYPES}
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in EC2_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in IAM_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in AZURE_RESOURCE_TYPES})

__all__ = ["BUILTIN_RESOURCE_TYPES", "Resource"]
