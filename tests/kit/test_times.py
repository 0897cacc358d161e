"""Reading wall-clock times in a zone (network/kit/times.py), the one check training sessions and
network meetings share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from network.kit.errors import Errors
from network.kit.times import clean_time_zone, to_utc

LONDON = ZoneInfo("Europe/London")


def read(value: datetime, zone: ZoneInfo = LONDON) -> tuple[datetime | None, list[str]]:
    errors = Errors()
    return to_utc(errors, "startsAt", value, zone), [e.code for e in errors.items]


def test_a_wall_clock_time_is_read_in_the_zone_on_both_sides_of_a_change() -> None:
    assert read(datetime(2027, 3, 27, 9)) == (datetime(2027, 3, 27, 9, tzinfo=UTC), [])
    assert read(datetime(2027, 3, 29, 9)) == (datetime(2027, 3, 29, 8, tzinfo=UTC), [])


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (datetime(2027, 3, 28, 1, 0), "NONEXISTENT_LOCAL_TIME"),
        (datetime(2027, 3, 28, 1, 59), "NONEXISTENT_LOCAL_TIME"),
        (datetime(2027, 10, 31, 1, 0), "AMBIGUOUS_LOCAL_TIME"),
        (datetime(2027, 10, 31, 1, 30), "AMBIGUOUS_LOCAL_TIME"),
        (datetime(1999, 12, 31, 23, 59), "OUT_OF_RANGE"),
        (datetime(2101, 1, 1), "OUT_OF_RANGE"),
        (datetime(9999, 12, 31, 23, 59), "OUT_OF_RANGE"),
        (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))), "OUT_OF_RANGE"),
    ],
)
def test_a_time_that_is_skipped_repeated_or_out_of_range_is_refused(
    value: datetime, code: str
) -> None:
    assert read(value) == (None, [code])


def test_a_time_with_an_offset_is_taken_as_given_even_in_the_repeated_hour() -> None:
    bst = timezone(timedelta(hours=1))
    assert read(datetime(2027, 10, 31, 1, 30, tzinfo=bst)) == (
        datetime(2027, 10, 31, 0, 30, tzinfo=UTC),
        [],
    )
    assert read(datetime(2027, 10, 31, 1, 30, tzinfo=UTC)) == (
        datetime(2027, 10, 31, 1, 30, tzinfo=UTC),
        [],
    )


@pytest.mark.parametrize(
    ("name", "code"),
    [
        (None, "REQUIRED"),
        ("  ", "REQUIRED"),
        ("Europe/Londres", "UNKNOWN_TIME_ZONE"),
        ("localtime", "UNKNOWN_TIME_ZONE"),
        ("Factory", "UNKNOWN_TIME_ZONE"),
        ("../etc/passwd", "UNKNOWN_TIME_ZONE"),
    ],
)
def test_only_iana_zones_that_name_a_place_are_time_zones(name: str | None, code: str) -> None:
    errors = Errors()
    assert clean_time_zone(errors, "timeZone", name) is None
    assert [(e.field, e.code) for e in errors.items] == [("timeZone", code)]


def test_a_zone_name_is_trimmed() -> None:
    errors = Errors()
    assert clean_time_zone(errors, "timeZone", " Europe/Paris ") == ZoneInfo("Europe/Paris")
    assert errors.items == []
