"""Dates, times and durations written out for people, in the five email languages.

A meeting's time is always shown in the meeting's own IANA zone ("10:00 Paris time"), never in
UTC or the server's zone. Written by hand: five languages need a few dozen words, not a locale
library.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from network.kit.enums import StarStep

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "cy": (
        "Dydd Llun",
        "Dydd Mawrth",
        "Dydd Mercher",
        "Dydd Iau",
        "Dydd Gwener",
        "Dydd Sadwrn",
        "Dydd Sul",
    ),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
}
MONTHS = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "cy": (
        "Ionawr",
        "Chwefror",
        "Mawrth",
        "Ebrill",
        "Mai",
        "Mehefin",
        "Gorffennaf",
        "Awst",
        "Medi",
        "Hydref",
        "Tachwedd",
        "Rhagfyr",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
    "de": (
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ),
}
ZONE_LABEL = {
    "en": "{city} time",
    "cy": "amser {city}",
    "fr": "heure de {city}",
    "es": "hora de {city}",
    "de": "Ortszeit {city}",
}
# (singular, plural) for days, hours and minutes; "in N ..." before the start.
UNITS = {
    "en": (("day", "days"), ("hour", "hours"), ("minute", "minutes"), "in {n} {unit}"),
    "cy": (("diwrnod", "diwrnod"), ("awr", "awr"), ("munud", "munud"), "ymhen {n} {unit}"),
    "fr": (("jour", "jours"), ("heure", "heures"), ("minute", "minutes"), "dans {n} {unit}"),
    "es": (("día", "días"), ("hora", "horas"), ("minuto", "minutos"), "dentro de {n} {unit}"),
    "de": (("Tag", "Tagen"), ("Stunde", "Stunden"), ("Minute", "Minuten"), "in {n} {unit}"),
}
STEP_NAMES = {
    StarStep.MAP_IT: "Map It",
    StarStep.FOCUS_IT: "Focus It",
    StarStep.PEOPLE_IT: "People It",
    StarStep.MARKET_IT: "Market It",
    StarStep.GROW_IT: "Grow It",
}
LANGUAGES = tuple(WEEKDAYS)


def language_or_default(language: str | None) -> str:
    """One of the five languages; English when the contact's is unknown."""
    return language if language in WEEKDAYS else "en"


def zone_city(time_zone: str) -> str:
    """The place a zone is named after: Europe/Paris -> Paris, America/New_York -> New York."""
    return time_zone.rsplit("/", 1)[-1].replace("_", " ")


def format_date(moment: datetime, language: str) -> str:
    """A local date written out, e.g. "Monday 29 March 2027", "lundi 29 mars 2027"."""
    lang = language_or_default(language)
    weekday = WEEKDAYS[lang][moment.weekday()]
    month = MONTHS[lang][moment.month - 1]
    if lang == "es":
        return f"{weekday}, {moment.day} de {month} de {moment.year}"
    if lang == "de":
        return f"{weekday}, {moment.day}. {month} {moment.year}"
    return f"{weekday} {moment.day} {month} {moment.year}"


def format_span(
    starts_at: datetime, ends_at: datetime, time_zone: str, language: str
) -> dict[str, str]:
    """When a meeting is, in its own zone: date, times and the zone, ready for a template."""
    zone = ZoneInfo(time_zone)
    start = starts_at.astimezone(zone)
    end = ends_at.astimezone(zone)
    lang = language_or_default(language)
    zone_label = ZONE_LABEL[lang].format(city=zone_city(time_zone))
    date = format_date(start, lang)
    times = f"{start:%H:%M}\u2013{end:%H:%M}"
    if start.date() == end.date():
        when = f"{date}, {times} ({zone_label})"
    else:
        when = f"{date} {start:%H:%M} \u2013 {format_date(end, lang)} {end:%H:%M} ({zone_label})"
    return {
        "date": date,
        "time": times,
        "start_time": f"{start:%H:%M}",
        "zone_label": zone_label,
        "time_zone": time_zone,
        "when": when,
    }


def format_lead_time(offset_minutes: int, language: str) -> str:
    """How long before the start a reminder goes out, e.g. "in 7 days", "dans 1 jour"."""
    day, hour, minute, phrase = UNITS[language_or_default(language)]
    if offset_minutes % 1440 == 0:
        n, names = offset_minutes // 1440, day
    elif offset_minutes % 60 == 0:
        n, names = offset_minutes // 60, hour
    else:
        n, names = offset_minutes, minute
    return phrase.format(n=n, unit=names[0] if n == 1 else names[1])


def step_name(step: StarStep | str) -> str:
    """The name of a star step as the programme writes it (the same in every language)."""
    return STEP_NAMES[StarStep(step)]
