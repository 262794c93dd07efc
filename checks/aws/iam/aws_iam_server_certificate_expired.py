"""No expired SSL/TLS certificate is left stored in IAM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from checks.aws.iam import clock
from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws_iam import IamServerCertificate
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_iam_server_certificate_expired",
    title="IAM holds no expired server certificate",
    severity=Severity.MEDIUM,
    provider="aws",
    service="iam",
    requires=(IamServerCertificate.TYPE,),
    categories=(Category.ENCRYPTION,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "1.19"), ComplianceRef("cis-aws", "4.0.1", "1.19")),
    remediation="aws iam delete-server-certificate --server-certificate-name <name>",
    references=("https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html",),
    description=(
        "An expired certificate left in IAM can still be attached to a load balancer or "
        "CloudFront distribution by mistake, and then clients stop trusting it. Expiry is "
        "measured against the snapshot's creation time."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    now = clock.as_of(snap)
    for certificate in snap.resources(IamServerCertificate):
        if certificate.expiration is None:
            yield SPEC.error(certificate, "the certificate's expiry date could not be read")
            continue
        if now is None:
            yield SPEC.error(certificate, clock.NO_CLOCK)
            continue
        expires = clock.parse(certificate.expiration)
        if expires is None:
            yield SPEC.error(certificate, "the certificate's expiry date is not a date",
                             expiration=certificate.expiration)
            continue
        details: dict[str, Any] = {"expiration": clock.stamp(expires), "as_of": clock.stamp(now)}
        if expires < now:  # notAfter itself is still within the validity period
            days = clock.age_days(expires, now)
            yield SPEC.fail(certificate, f"the certificate expired {days} days ago", expired=True,
                            days_expired=days, **details)
        else:
            days = clock.age_days(now, expires)
            yield SPEC.ok(certificate, f"the certificate expires in {days} days", expired=False,
                          days_left=days, **details)
