"""Keyset pagination over SQLAlchemy Core statements, with opaque cursors."""

from __future__ import annotations

import base64
import binascii
import enum
import uuid
from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Row,
    Select,
    SmallInteger,
    func,
    literal,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.errors import DomainError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
K = TypeVar("K")

# Core rows, read fast. SQLAlchemy 2.1's Row looks its own class up on every attribute read
# (about 1 us here); a list view reads a dozen columns of hundreds of rows, so rows that are
# handed on are turned into named tuples (one class per column set), read ~20x faster.
_ROW_TYPES: dict[tuple[str, ...], Callable[[Iterable[Any]], Any] | None] = {}


def _plain_maker(fields: tuple[str, ...]) -> Callable[[Iterable[Any]], Any] | None:
    if fields not in _ROW_TYPES:
        try:
            # the field names are only known at run time, which mypy cannot follow
            row_type = namedtuple("PlainRow", fields)  # type: ignore[misc]
            _ROW_TYPES[fields] = row_type._make
        except ValueError:  # a label that is not an identifier: keep such rows as they are
            _ROW_TYPES[fields] = None
    return _ROW_TYPES[fields]


def plain_rows(rows: Sequence[Any]) -> Sequence[Any]:
    """The rows of one result as named tuples (same names, same values, same order).

    Anything that is not a Core row (an entity, a plain value) is returned as it is.
    """
    if not rows or not isinstance(rows[0], Row):
        return rows
    make = _plain_maker(rows[0]._fields)
    return rows if make is None else [make(row) for row in rows]


def plain_values(found: Mapping[K, Any]) -> Mapping[K, Any]:
    """`plain_rows` over a batch result keyed by id: one row, or a list of rows, per key."""
    sample = next((value for value in found.values() if value), None)
    if isinstance(sample, Row):
        make = _plain_maker(sample._fields)
        return found if make is None else {key: make(row) for key, row in found.items()}
    if isinstance(sample, list) and isinstance(sample[0], Row):
        make = _plain_maker(sample[0]._fields)
        if make is None:
            return found
        return {key: [make(row) for row in rows] for key, rows in found.items()}
    return found


@dataclass(slots=True)
class Page:
    """One page of rows, whether more follow, and how to make the cursor of a row."""

    rows: Sequence[Any]
    has_next_page: bool
    count_statement: Select[Any]
    key_positions: tuple[int, ...]  # where the sort key sits in a row
    session: AsyncSession | None = None  # the session that read the page, to count with

    def cursor_of(self, row: Any) -> str:
        """The cursor of one of the page's rows (made only when asked for)."""
        return encode_cursor([row[i] for i in self.key_positions])

    @property
    def cursors(self) -> list[str]:
        """The cursor of each row."""
        return [self.cursor_of(row) for row in self.rows]

    @property
    def end_cursor(self) -> str | None:
        """The cursor of the last row, to pass as `after` for the next page."""
        return self.cursor_of(self.rows[-1]) if self.rows else None

    async def total_count(self, session: AsyncSession | None = None) -> int:
        """How many rows match, across all pages (one extra statement, only when asked)."""
        reader = session or self.session
        assert reader is not None, "a page made outside keyset_page needs a session to count"
        return int((await reader.execute(self.count_statement)).scalar_one())


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


def _integer_bits(column_type: Any) -> int:
    """How many bits the column's integers have (64 when the type does not say)."""
    if isinstance(column_type, SmallInteger):
        return 16
    if isinstance(column_type, BigInteger) or not isinstance(column_type, Integer):
        return 64
    return 32


def _typed(value: Any, expected: type | None, bits: int = 64) -> Any:
    """A cursor value (from JSON) as the column's Python type; ValueError when it is not one."""
    if expected is bool or isinstance(value, bool) or value is None:
        raise ValueError("not a sort key value")
    if expected is int and isinstance(value, int):
        # The database refuses an integer wider than the column instead of comparing it.
        if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
            raise ValueError("an integer sort key beyond the column's range")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("sort key values other than integers travel as text")
    if expected is uuid.UUID:
        return uuid.UUID(value)
    if expected is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a date-time sort key carries its offset")
        return moment
    if expected is date:
        return date.fromisoformat(value)
    if expected is not None and issubclass(expected, enum.Enum):
        return expected(value)
    if expected is str:
        return value
    raise ValueError(f"no cursor support for {expected}")


def _bind(value: Any, column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A forged or stale cursor value of the wrong type is a user error, never a SQL error."""
    try:
        expected: type | None = column.type.python_type
    except NotImplementedError:
        expected = None
    try:
        typed = _typed(value, expected, _integer_bits(column.type))
    except ValueError as exc:
        raise DomainError.one("after", "INVALID_CURSOR", "This cursor is not valid.") from exc
    return literal(typed, type_=column.type)


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
    rows = plain_rows((await session.execute(page_statement)).all())
    has_next = len(rows) > size
    rows = rows[:size]
    fields = list(rows[0]._fields) if rows else []
    positions = tuple(fields.index(str(c.key)) for c in order_by) if rows else ()
    return Page(
        rows=rows,
        has_next_page=has_next,
        count_statement=count_statement,
        key_positions=positions,
        session=session,
    )
