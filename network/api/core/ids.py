"""Global ids in arguments: one place decides what a malformed id means.

A malformed id reads as an id that names nothing: a lookup answers null, a mutation answers
NOT_FOUND (through NOWHERE, which no row has); only a filter argument, where "no filter" would
widen the list, refuses it with an argument error.
"""

from __future__ import annotations

import uuid
from typing import Any, overload

import strawberry

from network.api.core.errors import InvalidArgumentError
from network.kit.ids import from_global_id, parse_global_id
from network.kit.sentinel import UNSET

# An id that names nothing: a malformed reference becomes NOT_FOUND, never "no value".
NOWHERE = uuid.UUID(int=0)

GlobalId = strawberry.ID | str


def decode_id(global_id: GlobalId | None, type_name: str) -> uuid.UUID | None:
    """The database id inside a global id of the expected type; None when it is not one."""
    if global_id is None:
        return None
    return parse_global_id(str(global_id), type_name)


def decode_node_id(global_id: GlobalId) -> tuple[str, uuid.UUID] | None:
    """The type name and database id inside a global id of any type; None when malformed."""
    return from_global_id(str(global_id))


@overload
def input_id(global_id: GlobalId, type_name: str) -> uuid.UUID: ...
@overload
def input_id(global_id: GlobalId | None, type_name: str) -> uuid.UUID | None: ...
def input_id(global_id: Any, type_name: str) -> Any:
    """A mutation input's id: NOWHERE when malformed; None and an omitted field pass through."""
    if global_id is strawberry.UNSET:
        return UNSET
    if global_id is None or global_id is UNSET:
        return global_id
    return decode_id(global_id, type_name) or NOWHERE


def filter_id(global_id: GlobalId | None, type_name: str, field: str) -> uuid.UUID | None:
    """The database id inside a filter argument; a malformed one is an argument error."""
    if global_id is None:
        return None
    raw = parse_global_id(str(global_id), type_name)
    if raw is None:
        raise InvalidArgumentError(field, "INVALID_ID", f"'{global_id}' is not a {type_name} id.")
    return raw
