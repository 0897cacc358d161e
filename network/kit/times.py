"""Time zones and wall-clock times: one reading for training sessions and network meetings.

Instants are stored in UTC; a session or meeting also keeps the IANA zone it is held in. A
date-time given without an offset is read as the wall-clock time in that zone, so "09:00" on the
day after the clocks change is 09:00 there, not an hour off. A wall-clock time the change skips
(the clocks go forward) or repeats (they go back) is refused rather than guessed: the first
has no instant, the second two, and only the person asking knows which they meant.

Times are held to the years FIRST_YEAR..LAST_YEAR (of the wall clock), which keeps every
conversion to UTC and every offset added later (a reminder 90 days before, a session's length)
far from the calendar's ends, where Python's datetime overflows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from network.kit.errors import Errors

FIRST_YEAR = 2000
LAST_YEAR = 2100
# Names in the zone database that are not places: the server's own zone (a symlink, so its
# meaning depends on the machine) and tzdata's "Factory" placeholder (offset unknown).
NOT_PLACES = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """Every IANA zone name the installed zone database knows, less those that are no place."""
    return frozenset(available_timezones()) - NOT_PLACES


def is_time_zone(name: str) -> bool:
    """Whether `name` is an IANA time zone such as Europe/Paris."""
    return name in zone_names()


def clean_time_zone(errors: Errors, field: str, value: str | None) -> ZoneInfo | None:
    """An IANA time zone such as Europe/London."""
    if value is None or not value.strip():
        errors.add(field, "REQUIRED", "A time zone is required (an IANA name, e.g. Europe/London).")
        return None
    name = value.strip()
    if not is_time_zone(name):
        errors.add(
            field,
            "UNKNOWN_TIME_ZONE",
            f"'{value[:100]}' is not an IANA time zone (for example Europe/London, Europe/Paris).",
        )
        return None
    return ZoneInfo(name)


def to_utc(errors: Errors, field: str, value: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant meant by `value`: as given when it has an offset, else wall-clock in `zone`.

    None, with an error on `field`, for a year outside FIRST_YEAR..LAST_YEAR, or a wall-clock
    time that does not exist (NONEXISTENT_LOCAL_TIME) or happens twice (AMBIGUOUS_LOCAL_TIME)
    in `zone`.
    """
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        errors.add(
            field, "OUT_OF_RANGE", f"Give a time between the years {FIRST_YEAR} and {LAST_YEAR}."
        )
        return None
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC)
    earlier = value.replace(tzinfo=zone, fold=0)
    later = value.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
            errors.add(
                field,
                "NONEXISTENT_LOCAL_TIME",
                f"{value:%Y-%m-%d %H:%M} does not exist in {zone.key} (the clocks go forward).",
            )
        else:
            errors.add(
                field,
                "AMBIGUOUS_LOCAL_TIME",
                f"{value:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back); "
                "give the time with its UTC offset.",
            )
        return None
    return earlier.astimezone(UTC)
