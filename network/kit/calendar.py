"""iCalendar (RFC 5545) files for invitations, updates and cancellations, built by hand.

One event per file (build_calendar), or several in a published feed (build_feed). Times are
written in UTC (`...Z`), which every calendar program shows in its user's own zone; a single
event's IANA zone travels as X-WR-TIMEZONE for the programs that read it. A stable UID and a
SEQUENCE that goes up with each change let calendar programs replace an event instead of
adding a second one (RFC 5546: METHOD REQUEST, CANCEL, PUBLISH).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime


class CalendarMethod(enum.StrEnum):
    """What the file asks of the calendar program that opens it."""

    PUBLISH = "PUBLISH"  # a copy to look at or add (a download)
    REQUEST = "REQUEST"  # an invitation, or an update of one (same UID, higher SEQUENCE)
    CANCEL = "CANCEL"  # the event is off


@dataclass(frozen=True, slots=True)
class Attendee:
    """One invitee of an event."""

    email: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """Plain data for one VEVENT; `starts_at` and `ends_at` must be timezone-aware."""

    uid: str
    sequence: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None
    organizer_email: str | None = None
    organizer_name: str | None = None
    attendees: tuple[Attendee, ...] = field(default=())
    cancelled: bool = False


def _utc(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _param(value: str) -> str:
    # A parameter value with : ; or , must be quoted; quotes themselves are not allowed.
    cleaned = value.replace('"', "'")
    return f'"{cleaned}"' if any(c in cleaned for c in ":;,") else cleaned


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuation lines start with a space)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    start = 0
    limit = 75
    while start < len(data):
        end = min(start + limit, len(data))
        # Never split a UTF-8 sequence: back up to a character boundary.
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(data[start:end].decode())
        start = end
        limit = 74  # the leading space of a continuation line counts
    return "\r\n ".join(parts)


def build_calendar(
    event: CalendarEvent,
    method: CalendarMethod,
    *,
    product_id: str = "-//Network CRM//EN",
    stamp: datetime | None = None,
) -> bytes:
    """The .ics file holding one event, as bytes (UTF-8, CRLF line ends)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product_id}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method.value}",
    ]
    if event.time_zone:
        lines.append(f"X-WR-TIMEZONE:{event.time_zone}")
    lines += _event_lines(event, method, stamp)
    lines.append("END:VCALENDAR")
    return _joined(lines)


def build_feed(
    events: Sequence[tuple[CalendarEvent, datetime]],
    *,
    product_id: str = "-//Network CRM//EN",
    name: str | None = None,
) -> bytes:
    """A published calendar (METHOD:PUBLISH) of several events, each with its own DTSTAMP,
    as bytes (UTF-8, CRLF line ends). Each event keeps its zone in its times only (UTC)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{product_id}",
        "CALSCALE:GREGORIAN",
        f"METHOD:{CalendarMethod.PUBLISH.value}",
    ]
    if name:
        lines.append(f"X-WR-CALNAME:{escape_text(name)}")
    for event, stamp in events:
        lines += _event_lines(event, CalendarMethod.PUBLISH, stamp)
    lines.append("END:VCALENDAR")
    return _joined(lines)


def _joined(lines: list[str]) -> bytes:
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()


def _event_lines(event: CalendarEvent, method: CalendarMethod, stamp: datetime | None) -> list[str]:
    """The VEVENT block of one event, unfolded."""
    cancelled = event.cancelled or method is CalendarMethod.CANCEL
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp or datetime.now(UTC))}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organizer_email:
        name = f";CN={_param(event.organizer_name)}" if event.organizer_name else ""
        lines.append(f"ORGANIZER{name}:mailto:{event.organizer_email}")
    for attendee in event.attendees:
        name = f";CN={_param(attendee.name)}" if attendee.name else ""
        lines.append(
            f"ATTENDEE{name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE"
            f":mailto:{attendee.email}"
        )
    lines += ["TRANSP:OPAQUE", "END:VEVENT"]
    return lines
