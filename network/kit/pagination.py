"""Keyset pagination over SQLAlchemy Core statements, with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Row, Select, func, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from network.kit.errors import DomainError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(slots=True)
class Page:
    """One page of rows, whether more follow, and the cursor of each row."""

    rows: Sequence[Row[Any]]
    cursors: list[str]
    has_next_page: bool
    count_statement: Select[Any]

    @property
    def end_cursor(self) -> str | None:
        """The cursor of the last row, to pass as `after` for the next page."""
        return self.cursors[-1] if self.cursors else None

    async def total_count(self, session: AsyncSession) -> int:
        """How many rows match, across all pages (one extra statement, only when asked)."""
        return int((await session.execute(self.count_statement)).scalar_one())


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor holding the sort key of a row."""
    plain = [str(v) if isinstance(v, uuid.UUID) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).decode().rstrip("=")


def decode_cursor(cursor: str, width: int) -> list[Any]:
    """The sort key inside a cursor; a malformed cursor is a user error on `after`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, orjson.JSONDecodeError) as exc:
        raise DomainError.one("after", "INVALID_CURSOR", "This cursor is not valid.") from exc
    if not isinstance(values, list) or len(values) != width:
        raise DomainError.one("after", "INVALID_CURSOR", "This cursor is not valid.")
    return values


def clamp_first(first: int | None) -> int:
    """The page size asked for, within 1..MAX_PAGE_SIZE; a bad value is a user error."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise DomainError.one(
            "first", "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}."
        )
    return first


def _bind(value: Any, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if isinstance(column.type, Uuid) and isinstance(value, str):
        try:
            value = uuid.UUID(value)
        except ValueError as exc:
            raise DomainError.one("after", "INVALID_CURSOR", "This cursor is not valid.") from exc
    return literal(value, type_=column.type)


async def keyset_page(
    session: AsyncSession,
    statement: Select[Any],
    order_by: Sequence[ColumnElement[Any]],
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """Fetch one page of `statement` ordered by `order_by` (ascending, last column unique)."""
    size = clamp_first(first)
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    page_statement = statement
    if after:
        values = decode_cursor(after, len(order_by))
        bound = [_bind(v, c) for v, c in zip(values, order_by, strict=True)]
        page_statement = page_statement.where(tuple_(*order_by) > tuple_(*bound))
    page_statement = page_statement.order_by(*order_by).limit(size + 1)
    rows = (await session.execute(page_statement)).all()
    has_next = len(rows) > size
    rows = rows[:size]
    keys = [c.key for c in order_by]
    cursors = [encode_cursor([row._mapping[k] for k in keys]) for row in rows]
    return Page(rows=rows, cursors=cursors, has_next_page=has_next, count_statement=count_statement)
