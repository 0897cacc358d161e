"""Dates and date-times as the API reads them: the scalars, and a filter's time range.

Strawberry's DateTime parses any ISO 8601 text, and some of it names no instant Python can
hold in UTC ("9999-12-31T23:00:00-05:00" is after the last one, "0001-01-01T00:00:00+01:00"
before the first). Such a value reached a resolver and overflowed when it was converted for
the database or compared: the caller got INTERNAL. These scalars refuse it while the variables
are read, for every filter and input at once, as a GraphQL error with a code (graphql-core
keeps an error's `extensions` when it wraps it in "Variable '$x' has invalid value").
Whether a time is sensible for a meeting or a session (years 2000 to 2100, a wall-clock
time the clocks skip) is the domain's to say, as a user error (network/kit/times.py).
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, UTC, date, datetime
from typing import Any

# The parser Strawberry's own DateTime uses, so every text it read is read the same; python-dateutil
# ships no type stubs.
from dateutil.parser import isoparse  # type: ignore[import-untyped]
from graphql import GraphQLError
from strawberry.types.scalar import ScalarDefinition

from network.api.core.errors import InvalidArgumentError

# How much of a refused value an error message repeats (a value may be megabytes long).
SHOWN = 40


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "…"


def parse_date_time(value: object) -> datetime:
    """An ISO 8601 date-time that, when it has an offset, is an instant UTC can express."""
    if not isinstance(value, str):
        raise GraphQLError(
            f"Not an ISO 8601 date-time: {_shown(value)}.",
            extensions={"code": "INVALID_DATE_TIME"},
        )
    try:
        parsed: datetime = isoparse(value)
    except (ValueError, OverflowError):
        raise GraphQLError(
            f'Not an ISO 8601 date-time: "{_shown(value)}".',
            extensions={"code": "INVALID_DATE_TIME"},
        ) from None
    # An offset is under a day, so only the first and the last year can leave UTC's range.
    if parsed.year in (MINYEAR, MAXYEAR) and parsed.utcoffset() is not None:
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            raise GraphQLError(
                f'"{_shown(value)}" is beyond the range of date-times (years 1 to 9999 in UTC).',
                extensions={"code": "OUT_OF_RANGE"},
            ) from None
    return parsed


def parse_date(value: object) -> date:
    """An ISO 8601 calendar date, YYYY-MM-DD."""
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            f'Not a date (YYYY-MM-DD, years 1 to 9999): "{_shown(value)}".',
            extensions={"code": "INVALID_DATE"},
        ) from None


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


# The scalars keep Strawberry's names and descriptions, so the schema reads as before.
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    datetime: ScalarDefinition(
        name="DateTime",
        description="Date with time (isoformat)",
        specified_by_url=None,
        serialize=_isoformat,
        parse_value=parse_date_time,
        parse_literal=None,
        origin=datetime,
    ),
    date: ScalarDefinition(
        name="Date",
        description="Date (isoformat)",
        specified_by_url=None,
        serialize=_isoformat,
        parse_value=parse_date,
        parse_literal=None,
        origin=date,
    ),
}


def time_range(
    start: datetime | None, end: datetime | None, field: str = "filter.to"
) -> tuple[datetime | None, datetime | None]:
    """A filter's `from` and `to` as given; `to` before `from` is an argument error on `field`.

    Two date-times, one with an offset and one without, are compared with the one without
    read as UTC (as the database reads it).
    """
    if start is not None and end is not None and _instant(end) < _instant(start):
        raise InvalidArgumentError(field, "REVERSED_RANGE", "`to` must not be before `from`.")
    return start, end


def _instant(value: datetime) -> datetime:
    return value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
