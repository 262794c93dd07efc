"""What every Resource Manager collector shares: typed access to ARM
JSON, and the two read patterns (a listing whose failure leaves a whole scope unread,
and a per-resource read whose failure leaves one field unread).

Typed access keeps "absent" and "wrong" apart: an absent (or null) property is
``None``, a property of the wrong JSON type raises ``UnexpectedShape``, which the
collector records as a MalformedResponse error instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from scanner.collect.azure.arm import ArmError
from scanner.collect.azure.context import AzureContext
from scanner.collect.base import CollectResult
from scanner.resources.azure import PrivateEndpointConnection

T = TypeVar("T")


class UnexpectedShape(Exception):
    """A property whose JSON type is not the documented one."""


def list_scope(
    ctx: AzureContext,
    result: CollectResult,
    path: str,
    api_version: str,
    *,
    service: str,
    operation: str,
    resource_types: tuple[str, ...],
) -> list[dict[str, Any]] | None:
    """Every item of a subscription-level listing; None (and one scope-level error per
    record type that depends on it) when any page failed."""
    try:
        return list(ctx.reader.list(path, api_version))
    except ArmError as exc:
        for resource_type in resource_types:
            result.fail(ctx.error(exc, service=service, operation=operation, resource_type=resource_type))
        return None


def read_child(
    ctx: AzureContext,
    result: CollectResult,
    read: Callable[[], T],
    *,
    service: str,
    operation: str,
    resource_type: str,
    resource_id: str,
    region: str,
) -> T | None:
    """``read()`` (a GET or a listing plus its parsing) or None with an error naming
    the resource: the field stays "could not be read"."""
    try:
        return read()
    except (ArmError, UnexpectedShape) as exc:
        record_failure(ctx, result, exc, service=service, operation=operation, resource_type=resource_type,
                       resource_id=resource_id, region=region)
        return None


def record_failure(
    ctx: AzureContext,
    result: CollectResult,
    exc: ArmError | UnexpectedShape,
    *,
    service: str,
    operation: str,
    resource_type: str,
    resource_id: str | None = None,
    region: str = "global",
) -> None:
    """One collection error for a failed read: an ArmError as it is, an UnexpectedShape
    as a MalformedResponse."""
    error = exc if isinstance(exc, ArmError) else ArmError("MalformedResponse", str(exc))
    result.fail(ctx.error(error, service=service, operation=operation, resource_type=resource_type,
                          resource_id=resource_id, region=region))


def resource_group_of(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    lowered = [p.lower() for p in parts]
    if "resourcegroups" in lowered:
        index = lowered.index("resourcegroups")
        if index + 1 < len(parts):
            return parts[index + 1]
    return ""


def identity(item: dict[str, Any], what: str) -> tuple[str, str, str]:
    """(id, name, location) of a listed resource; UnexpectedShape without an id."""
    resource_id = item.get("id")
    if not isinstance(resource_id, str) or not resource_id:
        raise UnexpectedShape(f"a listed {what} has no id")
    name = item.get("name")
    location = item.get("location")
    return (
        resource_id,
        name if isinstance(name, str) and name else resource_id.rsplit("/", 1)[-1],
        location.lower().replace(" ", "") if isinstance(location, str) and location else "global",
    )


def tags(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def obj(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise UnexpectedShape(f"{what} is not an object")
    return raw


def opt_obj(parent: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = parent.get(key)
    return None if value is None else obj(value, key)


def objs(raw: Any, what: str) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise UnexpectedShape(f"{what} is not a list of objects")
    return raw


def private_endpoints(props: dict[str, Any]) -> tuple[PrivateEndpointConnection, ...]:
    """The ``privateEndpointConnections`` of a resource's properties (storage account, vault)."""
    found = []
    for connection in objs(props.get("privateEndpointConnections"), "privateEndpointConnections"):
        connection_props = opt_obj(connection, "properties") or {}
        endpoint = opt_obj(connection_props, "privateEndpoint") or {}
        state = opt_obj(connection_props, "privateLinkServiceConnectionState") or {}
        found.append(PrivateEndpointConnection(id=str(connection.get("id", "")),
                                               private_endpoint_id=string(endpoint, "id"),
                                               status=string(state, "status")))
    return tuple(found)


def strs(parent: dict[str, Any], key: str) -> tuple[str, ...]:
    value = parent.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise UnexpectedShape(f"{key} is not a list of strings")
    return tuple(value)


def boolean(parent: dict[str, Any], key: str) -> bool | None:
    value = parent.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise UnexpectedShape(f"{key} is not a boolean")


def string(parent: dict[str, Any], key: str) -> str | None:
    value = parent.get(key)
    if value is None or isinstance(value, str):
        return value
    raise UnexpectedShape(f"{key} is not a string")


def integer(parent: dict[str, Any], key: str) -> int | None:
    value = parent.get(key)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise UnexpectedShape(f"{key} is not a whole number")
