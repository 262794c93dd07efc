"""Every enabled secret in a Key Vault has an expiry date."""

from __future__ import annotations

from collections.abc import Iterator

from checks.azure.keyvault.defaults import evaluate_expiry
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="azure_keyvault_secret_expiry",
    title="Key Vault secrets have an expiry date",
    severity=Severity.MEDIUM,
    provider="azure",
    service="keyvault",
    requires=(KeyVault.TYPE,),
    categories=(Category.DATA_PROTECTION,),
    compliance=(ComplianceRef("cis-azure", "3.0.0", "3.3.3"), ComplianceRef("cis-azure", "3.0.0", "3.3.4"),
                ComplianceRef("cis-azure", "4.0.0", "9.3.3"), ComplianceRef("cis-azure", "4.0.0", "9.3.4")),
    remediation="az keyvault secret set-attributes --vault-name <vault> --name <secret> --expires <UTC date>",
    references=("https://learn.microsoft.com/azure/key-vault/secrets/about-secrets",),
    description="Read from Resource Manager's secrets collection (attributes only, never a secret value).",
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    yield from evaluate_expiry(SPEC, snap, "secrets")
