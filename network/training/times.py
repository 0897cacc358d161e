"""Time zones and wall-clock times: validating them, and showing them in five languages.

Instants are stored in UTC; each session also keeps the IANA zone it is held in. A date-time
given without an offset is read as the wall-clock time in that zone, so "09:00" on the day after
the clocks change is 09:00 there, not an hour off; a wall-clock time the change skips or repeats
is refused rather than guessed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from network.kit.errors import Errors


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def clean_time_zone(errors: Errors, field: str, value: str | None) -> ZoneInfo | None:
    """An IANA time zone such as Europe/London."""
    if value is None or not value.strip():
        errors.add(field, "REQUIRED", "A time zone is required (an IANA name, e.g. Europe/London).")
        return None
    name = value.strip()
    if name not in _zone_names():
        errors.add(
            field,
            "UNKNOWN_TIME_ZONE",
            f"'{value}' is not an IANA time zone (for example Europe/London, Europe/Paris).",
        )
        return None
    return ZoneInfo(name)


def to_utc(errors: Errors, field: str, value: datetime, zone: ZoneInfo) -> datetime | None:
    """The instant meant by `value`: as given when it has an offset, else wall-clock in `zone`."""
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


def local(instant: datetime, time_zone: str) -> datetime:
    """An instant as wall-clock time in an IANA zone (with that zone's offset)."""
    return instant.astimezone(ZoneInfo(time_zone))


DASH = "\u2013"  # an en dash between times, as typeset dates have it

# Month and weekday names, so emails need no locale installed on the machine.
_MONTHS = {
    "en": "January February March April May June July August September October November December",
    "cy": "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
    ),
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
}
_WEEKDAYS = {
    "en": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    "cy": "Dydd_Llun Dydd_Mawrth Dydd_Mercher Dydd_Iau Dydd_Gwener Dydd_Sadwrn Dydd_Sul",
    "fr": "lundi mardi mercredi jeudi vendredi samedi dimanche",
    "es": "lunes martes miércoles jueves viernes sábado domingo",
    "de": "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
}
_DATE_PATTERNS = {
    "en": "{weekday} {day} {month} {year}",
    "cy": "{weekday} {day} {month} {year}",
    "fr": "{weekday} {day} {month} {year}",
    "es": "{weekday}, {day} de {month} de {year}",
    "de": "{weekday}, {day}. {month} {year}",
}


def format_date(moment: datetime, language: str) -> str:
    """A long date in one of the five languages, e.g. 'Monday 29 March 2027'."""
    lang = language if language in _MONTHS else "en"
    return _DATE_PATTERNS[lang].format(
        weekday=_WEEKDAYS[lang].split()[moment.weekday()].replace("_", " "),
        day=moment.day,
        month=_MONTHS[lang].split()[moment.month - 1],
        year=moment.year,
    )


def format_span(starts_at: datetime, ends_at: datetime, time_zone: str, language: str) -> str:
    """When a session takes place, in its own zone: 'Monday 29 March 2027, 09:00-12:30 BST ...'."""
    start = local(starts_at, time_zone)
    end = local(ends_at, time_zone)
    start_zone = start.tzname() or time_zone
    end_zone = end.tzname() or time_zone
    if start.date() == end.date():
        hours = f"{start:%H:%M}{DASH}{end:%H:%M}"
        return f"{format_date(start, language)}, {hours} {end_zone} ({time_zone})"
    return (
        f"{format_date(start, language)}, {start:%H:%M} {start_zone} {DASH} "
        f"{format_date(end, language)}, {end:%H:%M} {end_zone} ({time_zone})"
    )
