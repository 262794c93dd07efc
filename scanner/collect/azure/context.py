"""The Azure side of collection: one ``AzureContext`` per subscription.

``open_contexts`` signs in once (a bad credential stops here, exit 2), builds the one
Resource Manager pipeline every read shares, and finds the subscriptions in scope:
``--subscription`` ids as given, or every subscription the identity can list. A
subscription that later cannot be read is a collection error of that subscription,
not a reason to stop the scan.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scanner.collect.azure.arm import API_VERSIONS, ArmError, ArmOptions, ArmReader, make_client
from scanner.collect.azure.identity import AzureSettings, AzureSetupError, build_credential, check_credential
from scanner.collect.pool import Pool
from scanner.snapshot import CollectionError

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

SUBSCRIPTIONS_API = API_VERSIONS["Microsoft.Resources/subscriptions"]


class AzureContext:
    """Everything a collector needs to read one subscription."""

    def __init__(self, reader: ArmReader, subscription_id: str, pool: Pool, display_name: str = "") -> None:
        self.reader = reader
        self.subscription_id = subscription_id
        self.display_name = display_name
        self.pool = pool

    @property
    def subscription_path(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    def error(
        self,
        exc: ArmError,
        *,
        service: str,
        operation: str,
        resource_type: str,
        resource_id: str | None = None,
        region: str = "global",
    ) -> CollectionError:
        """A failed read as a typed collection error of this subscription."""
        return CollectionError(
            provider="azure",
            account=self.subscription_id,
            region=region,
            service=service,
            operation=operation,
            code=exc.code,
            message=exc.message[:300],
            resource_type=resource_type,
            resource_id=resource_id,
        )


def open_contexts(
    settings: AzureSettings,
    pool: Pool,
    *,
    options: ArmOptions | None = None,
    credential: TokenCredential | None = None,
) -> list[AzureContext]:
    """Sign in, then one context per subscription in scope; AzureSetupError when no
    read is possible at all."""
    # the SDKs log warnings (a failed token request, each retry) to stderr through
    # logging's last resort; skyscan reports those failures itself, in one line
    sdk_logger = logging.getLogger("azure")
    if not any(isinstance(h, logging.NullHandler) for h in sdk_logger.handlers):
        sdk_logger.addHandler(logging.NullHandler())
    options = options or ArmOptions(pool_connections=pool.max_workers)
    credential = credential or build_credential(settings)
    check_credential(credential, settings)
    client = make_client(
        credential,
        endpoint=settings.resource_manager,
        scope=settings.cloud_endpoints.scope,
        ca_bundle=settings.ca_bundle,
        options=options,
        pool=pool,
    )
    reader = ArmReader(client, settings.resource_manager, pool)
    if settings.subscriptions:
        wanted = dict.fromkeys(s.lower() for s in settings.subscriptions)
        return [AzureContext(reader, subscription, pool) for subscription in wanted]
    return [AzureContext(reader, sid, pool, name) for sid, name in list_subscriptions(reader)]


def list_subscriptions(reader: ArmReader) -> list[tuple[str, str]]:
    """(id, display name) of every subscription the identity can see."""
    found: dict[str, str] = {}
    try:
        for item in reader.list("/subscriptions", SUBSCRIPTIONS_API):
            subscription_id = item.get("subscriptionId")
            if isinstance(subscription_id, str) and subscription_id:
                found.setdefault(subscription_id.lower(), str(item.get("displayName") or ""))
    except ArmError as exc:
        raise AzureSetupError(
            f"cannot list Azure subscriptions ({exc.code}); name them with --subscription ID"
        ) from None
    if not found:
        raise AzureSetupError(
            "the Azure identity can see no subscription (grant it Reader, or name one with --subscription ID)"
        )
    return sorted(found.items())
