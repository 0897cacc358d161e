"""A calendar feed as RFC 5545 text: one VCALENDAR, one VEVENT per booking or meeting.

Each event carries the UID and SEQUENCE of the single-event .ics files already sent for it
(network.training.ics.session_uid, network.meetings.links.calendar_uid), so a calendar that
holds the emailed invite and subscribes to the feed sees one event, updated in place. DTSTAMP
is the event's last change, so the same state gives the same bytes. Lines are folded at 75
octets and end with CRLF (network.kit.calendar).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from network.kit.calendar import CalendarEvent, escape_text, fold

PRODUCT_ID = "-//CitizenPowered networks//Network CRM calendar feed//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# How often a calendar program is asked to poll (RFC 7986 REFRESH-INTERVAL, and Outlook's
# X-PUBLISHED-TTL); the response may be cached for 5 minutes (Cache-Control).
REFRESH = "PT1H"
# The feed's name in the owner's language (a contact's five; English otherwise).
CALENDAR_NAMES = {
    "en": "Training and network meetings",
    "cy": "Hyfforddiant a chyfarfodydd rhwydwaith / Training and network meetings",
    "fr": "Formations et réunions du réseau",
    "es": "Formaciones y reuniones de la red",
    "de": "Schulungen und Netzwerktreffen",
}


class EventStatus(enum.StrEnum):
    """An event's STATUS in the feed."""

    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"  # on the waiting list
    CANCELLED = "CANCELLED"  # kept for a while so calendars remove it


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One event of a feed: the event, its status and its last change (DTSTAMP)."""

    event: CalendarEvent
    status: EventStatus
    stamp: datetime


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_name(language: str | None) -> str:
    """The feed's X-WR-CALNAME."""
    return CALENDAR_NAMES.get(language or "en", CALENDAR_NAMES["en"])


def _event_lines(item: FeedEvent) -> list[str]:
    event = item.event
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(item.stamp)}",
        f"LAST-MODIFIED:{_utc(item.stamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{item.status.value}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer_email:
        name = (event.organizer_name or "").replace('"', "'")
        quoted = f'"{name}"' if any(c in name for c in ":;,") else name
        cn = f";CN={quoted}" if name else ""
        lines.append(f"ORGANIZER{cn}:mailto:{event.organizer_email}")
    busy = "TRANSPARENT" if item.status is EventStatus.CANCELLED else "OPAQUE"
    lines += [f"TRANSP:{busy}", "END:VEVENT"]
    return lines


def render_feed(name: str, events: Iterable[FeedEvent]) -> bytes:
    """The feed's VCALENDAR (METHOD:PUBLISH) holding `events`, as UTF-8 bytes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT_ID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"NAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    for item in events:
        lines += _event_lines(item)
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()
