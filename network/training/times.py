"""Times shown to people: a session's instants in its own zone, in five languages.

Reading a time zone and a wall-clock time (and refusing one the clocks skip or repeat) is
shared with network meetings, in network/kit/times.py.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


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
