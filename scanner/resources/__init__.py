"""Typed records that collectors produce and checks read."""

from __future__ import annotations

from scanner.resources.aws import AWS_RESOURCE_TYPES
from scanner.resources.aws_data import DATA_RESOURCE_TYPES
from scanner.resources.aws_ec2 import EC2_RESOURCE_TYPES
from scanner.resources.aws_iam import IAM_RESOURCE_TYPES
from scanner.resources.aws_logging import LOGGING_RESOURCE_TYPES
from scanner.resources.aws_securityhub import SECURITYHUB_RESOURCE_TYPES
from scanner.resources.azure import AZURE_RESOURCE_TYPES
from scanner.resources.azure_appservice import APPSERVICE_RESOURCE_TYPES
from scanner.resources.azure_keyvault import KEYVAULT_RESOURCE_TYPES
from scanner.resources.azure_monitor import MONITOR_RESOURCE_TYPES
from scanner.resources.azure_network import NETWORK_RESOURCE_TYPES
from scanner.resources.azure_sql import SQL_RESOURCE_TYPES
from scanner.resources.base import Resource

BUILTIN_RESOURCE_TYPES: dict[str, type[Resource]] = {cls.TYPE: cls for cls in AWS_RESOURCE_TYPES}
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in EC2_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in IAM_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in DATA_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in LOGGING_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in SECURITYHUB_RESOURCE_TYPES})
BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in AZURE_RESOURCE_TYPES})
for _azure_types in (NETWORK_RESOURCE_TYPES, KEYVAULT_RESOURCE_TYPES, SQL_RESOURCE_TYPES,
                     APPSERVICE_RESOURCE_TYPES, MONITOR_RESOURCE_TYPES):
    BUILTIN_RESOURCE_TYPES.update({cls.TYPE: cls for cls in _azure_types})

__all__ = ["BUILTIN_RESOURCE_TYPES", "Resource"]
