"""S3 Block Public Access is fully enabled for the account."""

from __future__ import annotations

from collections.abc import Iterator

from scanner.model import Category, CheckSpec, ComplianceRef, Finding, Severity
from scanner.resources.aws import S3AccountSettings
from scanner.snapshot import Snapshot

SPEC = CheckSpec(
    id="aws_s3_account_block_public_access",
    title="S3 Block Public Access is enabled for the account",
    severity=Severity.HIGH,
    provider="aws",
    service="s3",
    requires=("aws.s3.account",),
    categories=(Category.PUBLIC_ACCESS,),
    compliance=(ComplianceRef("cis-aws", "3.0.0", "2.1.4"), ComplianceRef("cis-aws", "4.0.1", "2.1.4")),
    remediation=(
        "aws s3control put-public-access-block --account-id <account-id> "
        "--public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,"
        "BlockPublicPolicy=true,RestrictPublicBuckets=true"
    ),
    references=(
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    description=(
        "The four account-level Block Public Access settings override public ACLs and "
        "policies on every current and future bucket, so one mistaken grant cannot expose data."
    ),
)


def evaluate(snap: Snapshot) -> Iterator[Finding]:
    for account in snap.resources(S3AccountSettings):
        block = account.public_access_block
        if block is None:
            yield SPEC.error(account, "account Block Public Access settings could not be read")
            continue
        flags = block.flags()
        missing = [name for name, on in flags.items() if not on]
        if missing:
            reason = f"account Block Public Access is missing {', '.join(missing)}"
            yield SPEC.fail(account, reason, missing=missing, flags=flags, configured=block.configured)
        else:
            yield SPEC.ok(account, "all four settings are on", flags=flags)
