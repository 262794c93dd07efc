"""The local HTTPS Resource Manager + Entra authority now ships with the demo
(scanner/demo/azure_server.py); the tests import it from here as before."""

from scanner.demo.azure_server import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEFAULT_NSG_RULES,
    STORAGE_API,
    TENANT,
    ArmModel,
    ArmServer,
    Fault,
)

__all__ = ["CLIENT_ID", "CLIENT_SECRET", "DEFAULT_NSG_RULES", "STORAGE_API", "TENANT", "ArmModel", "ArmServer", "Fault"]
