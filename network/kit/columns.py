"""Column types used by several models."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column_type(enum_class: type[enum.Enum]) -> Enum:
    """A VARCHAR with a CHECK constraint listing the values (easier to migrate than a PG enum)."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=32,
        name=enum_class.__name__.lower(),
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )
