"""snapshot.merge: several collections (one per cloud) become one snapshot to evaluate."""

from __future__ import annotations

from scanner import snapshot
from scanner.resources.aws import S3Bucket
from scanner.resources.azure_keyvault import KeyVault
from scanner.snapshot import CollectionError, Scope, Snapshot

AWS = Scope("aws", "111122223333", ("us-east-1",))
AZURE = Scope("azure", "5d3e0c1a-7b2f-4e9d-8a6c-0f1e2d3c4b5a", ("westeurope",))
BUCKET = S3Bucket(account=AWS.account, region="us-east-1", resource_id="arn:aws:s3:::b", name="b")
VAULT = KeyVault(account=AZURE.account, region="westeurope", resource_id="/subscriptions/x/vaults/kv", name="kv",
                 resource_group="rg", api_version="2023-07-01")
FAILED = CollectionError("azure", AZURE.account, "global", "sql", "list", "AuthorizationFailed", "denied",
                         "azure.sql.server")


def test_merge_unites_scopes_records_errors_and_collected_types() -> None:
    aws = Snapshot([AWS], [BUCKET], created_at="2025-01-01T10:00:00Z", collected=("aws.s3.bucket", "aws.s3.account"))
    azure = Snapshot([AZURE], [VAULT], [FAILED], created_at="2025-01-01T10:00:05Z",
                     collected=("azure.keyvault.vault", "azure.sql.server"))
    merged = snapshot.merge(aws, azure)
    assert merged.scopes == (AWS, AZURE)
    assert merged.resources(S3Bucket) == (BUCKET,) and merged.resources(KeyVault) == (VAULT,)
    assert merged.errors == (FAILED,)
    assert merged.scope_errors("azure.sql.server") == (FAILED,)
    assert merged.collected == ("aws.s3.account", "aws.s3.bucket", "azure.keyvault.vault", "azure.sql.server")
    assert merged.created_at == "2025-01-01T10:00:05Z"  # the latest, whatever the order given
    assert snapshot.merge(azure, aws).created_at == "2025-01-01T10:00:05Z"


def test_merge_keeps_a_repeated_scope_or_error_once_and_of_nothing_is_empty() -> None:
    first = Snapshot([AZURE], [], [FAILED], collected=("azure.sql.server",))
    merged = snapshot.merge(first, Snapshot([AZURE], [VAULT], [FAILED], collected=("azure.sql.server",)))
    assert merged.scopes == (AZURE,) and merged.errors == (FAILED,) and merged.collected == ("azure.sql.server",)
    assert merged.resources(KeyVault) == (VAULT,)
    empty = snapshot.merge()
    assert (empty.scopes, empty.errors, empty.collected, empty.created_at) == ((), (), (), "")
