"""Plumbing shared by the regional data-service collectors (RDS, EFS, SQS, SNS, Lambda):
one reader per (service, region) with paginated listings that fail as a whole, typed
errors, and resource-policy JSON turned into a ``ResourcePolicy``.

Each collector runs in two flat pool batches, listings first and then per-resource
reads, so a pool task never waits on tasks of the same pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import botocore.exceptions
from botocore import xform_name

from scanner.collect.aws.context import AwsContext, partition_of
from scanner.collect.base import CollectResult
from scanner.resources.aws_data import ResourcePolicy

SDK_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError)


class IncompleteResponse(Exception):
    """The API answered without a field it always documents, or with one that cannot be
    parsed; the field stays unread."""


class RegionReader:
    """Reads of one service in one region."""

    SERVICE = ""

    def __init__(self, ctx: AwsContext, result: CollectResult, region: str) -> None:
        self.ctx = ctx
        self.result = result
        self.region = region
        self.client: Any = ctx.client(self.SERVICE, region)

    def listings(self) -> list[Callable[[], None]]:
        raise NotImplementedError

    def reads(self) -> list[Callable[[], None]]:
        """Per-resource reads, known once the listings ran."""
        return []

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def list(self, operation: str, resource_type: str, key: str, **params: Any) -> list[Any] | None:
        """Every item of a paginated listing, or None (with a scope-level error) when
        any page failed: a partial list is never passed off as the whole."""
        try:
            items: list[Any] = []
            for page in self.client.get_paginator(xform_name(operation)).paginate(**params):
                items.extend(page.get(key, []))
            return items
        except SDK_ERRORS as exc:
            self.fail(exc, operation, resource_type, None)
            return None

    def fail(self, exc: Exception, operation: str, resource_type: str, resource_id: str | None) -> None:
        self.result.fail(
            self.ctx.error(
                exc,
                region=self.region,
                service=self.SERVICE,
                operation=operation,
                resource_type=resource_type,
                resource_id=resource_id,
            )
        )

    def field(self, item: Any, key: str, operation: str, resource_type: str, resource_id: str) -> Any:
        """A field the API always returns; None with an error when it is missing."""
        value = item.get(key)
        if value is None:
            self.fail(IncompleteResponse(f"no {key} in the answer"), operation, resource_type, resource_id)
        return value

    def policy(self, text: str | None, operation: str, resource_type: str, resource_id: str) -> ResourcePolicy | None:
        """A policy attribute's JSON text as a ResourcePolicy; None (with an error) when
        the text is not a JSON object. An absent or empty text means "no policy"."""
        if not text:
            return ResourcePolicy(document=None)
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self.fail(IncompleteResponse("the policy is not a JSON object"), operation, resource_type, resource_id)
            return None
        return ResourcePolicy(document=document)


def run_readers(ctx: AwsContext, result: CollectResult, readers: Iterable[RegionReader]) -> None:
    """Listings of every region in one pool batch, then every per-resource read in another."""
    readers = list(readers)
    ctx.pool.run(lambda job: job(), [job for reader in readers for job in reader.listings()])
    ctx.pool.run(lambda job: job(), [job for reader in readers for job in reader.reads()])


def tags(raw: Any) -> dict[str, str]:
    """A Key/Value tag list as a dict."""
    return {str(t["Key"]): str(t.get("Value", "")) for t in raw or [] if "Key" in t}
