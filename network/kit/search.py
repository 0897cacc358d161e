"""Free-text search conditions shared by the list queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text", with %, _ and \\ in the text taken literally."""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    condition: ColumnElement[bool] = column.ilike(f"%{escaped}%", escape="\\")
    return condition
