"""Object ids: plain UUIDs from paths and forms, and global (Relay) ids, base64 of "Type:uuid"."""

from __future__ import annotations

import base64
import binascii
import uuid


def parse_uuid(value: str | None) -> uuid.UUID | None:
    """A UUID from text (surrounding spaces ignored), or None when it is not one: callers
    answer a malformed id exactly as a missing object."""
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


def to_global_id(type_name: str, raw_id: uuid.UUID) -> str:
    """The opaque id a client sees for an object of this GraphQL type."""
    return base64.urlsafe_b64encode(f"{type_name}:{raw_id}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """The type name and database id inside a global id, or None if it is not one of ours."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, uuid.UUID(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def parse_global_id(global_id: str, expected_type: str) -> uuid.UUID | None:
    """The database id, if the global id names an object of the expected type."""
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] != expected_type:
        return None
    return parsed[1]
