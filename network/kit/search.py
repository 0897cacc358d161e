"""Free-text search conditions shared by the list queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive "column contains text", with %, _ and \\ in the text taken literally.

    NUL characters are dropped: PostgreSQL text cannot hold them (`clean_text` refuses them in
    stored values), and one passed on would fail the whole statement instead of the search.
    """
    escaped = (
        text.replace("\x00", "")
        .strip()
        .replace("\\", "\\\\")
        .replace("%", "\\%")
        .replace("_", "\\_")
    )
    condition: ColumnElement[bool] = column.ilike(f"%{escaped}%", escape="\\")
    return condition
