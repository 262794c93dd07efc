"""Which collectors exist: built-in modules (imported only for the provider scanned) and
third-party ones from the entry-point group ``skyscan.collectors``."""

from __future__ import annotations

import importlib
import importlib.metadata

from scanner.collect.base import CollectorSpec
from scanner.resources import BUILTIN_RESOURCE_TYPES, Resource

ENTRY_POINT_GROUP = "skyscan.collectors"
BUILTIN_MODULES: dict[str, tuple[str, ...]] = {
    "aws": ("scanner.collect.aws.s3", "scanner.collect.aws.ec2", "scanner.collect.aws.iam",
            "scanner.collect.aws.accessanalyzer", "scanner.collect.aws.kms", "scanner.collect.aws.cloudtrail",
            "scanner.collect.aws.config", "scanner.collect.aws.rds", "scanner.collect.aws.efs",
            "scanner.collect.aws.sqs", "scanner.collect.aws.sns", "scanner.collect.aws.lambda_",
            "scanner.collect.aws.securityhub"),
    "azure": ("scanner.collect.azure.storage", "scanner.collect.azure.network", "scanner.collect.azure.keyvault",
              "scanner.collect.azure.sql", "scanner.collect.azure.appservice", "scanner.collect.azure.monitor"),
}


class CollectorLoadError(Exception):
    """A collector plugin that cannot be used; one line naming it."""


def collectors(provider: str) -> tuple[CollectorSpec, ...]:
    found = [importlib.import_module(name).COLLECTOR for name in BUILTIN_MODULES.get(provider, ())]
    found.extend(c for c in _plugins() if c.provider == provider)
    return tuple(found)


def record_types() -> dict[str, type[Resource]]:
    """Every record type a snapshot may hold: built-in ones and those plugins declare."""
    types = dict(BUILTIN_RESOURCE_TYPES)
    for collector in _plugins():
        types.update({cls.TYPE: cls for cls in collector.record_types})
    return types


def _plugins() -> list[CollectorSpec]:
    found = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = entry.load()
        except Exception as exc:  # reported with its name, never skipped
            raise CollectorLoadError(
                f"collector plugin {entry.value!r} failed to import: {exc.__class__.__name__}: {exc}"
            ) from None
        if not isinstance(spec, CollectorSpec):
            raise CollectorLoadError(
                f"collector plugin {entry.value!r} must name a scanner.collect.base.CollectorSpec"
            )
        found.append(spec)
    return found
