"""Every enabled key in a Key Vault has an expiry date."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import evaluate_expiry
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_key_expiry",
    title="Key Vault keys have an expiry date",
    severity=Severity.MEDIUM,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.1"), ComplianceRef("cis-azure", "3.0.0", "3.3.2"),
                ComplianceRef("cis-azure", "4.0.0", "9.3.1"), ComplianceRef("cis-azure", "4.0.0", "9.3.2")),
    remediation="az keyvault key set-attributes --vault-name <vault> --name <key> --expires <UTC date>",
    references=("https://learn.microsoft.com/azure/key-vault/keys/about-keys-details",),
    description="Read from Resource Manager's keys collection (attributes only, never key material).",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_expiry(SPEC, snap, "keys")
