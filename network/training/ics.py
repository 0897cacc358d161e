"""A training session's calendar file, built with network.kit.calendar from plain data.

One session is one calendar event whose UID never changes. Its SEQUENCE is the session's
`ics_sequence`, which goes up whenever staff change what the invite shows or cancel the
session, so a calendar that holds the event replaces it instead of adding a second one.
METHOD is REQUEST for an invitation or an update, CANCEL for a cancelled session (and for the
copy of someone whose own booking was cancelled).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from network.kit.calendar import (
    Attendee,
    CalendarEvent,
    CalendarMethod,
    build_calendar,
    build_feed,
)

PRODUCT_ID = "-//CitizenPowered networks//Network CRM training//EN"
UID_DOMAIN = "training.network-crm"
CONTENT_TYPE = "text/calendar; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Person:
    """A name and an email address (the organizer, or one attendee)."""

    name: str
    email: str


def session_uid(session_id: uuid.UUID) -> str:
    """The UID of a session's calendar event: the same in every file, forever."""
    return f"training-session-{session_id}@{UID_DOMAIN}"


def file_name(session_id: uuid.UUID) -> str:
    """The name a session's calendar file is offered under."""
    return f"training-{session_id}.ics"


def method_for(training: Any) -> CalendarMethod:
    """REQUEST while the session is on, CANCEL once it is cancelled."""
    return CalendarMethod.CANCEL if training.status == "CANCELLED" else CalendarMethod.REQUEST


ONLINE_NOTE = "Online: the link is in your booking confirmation."


def render_ics(
    training: Any,
    course: Any,
    *,
    organizer: Person,
    method: CalendarMethod | None = None,
    attendee: Person | None = None,
    with_link: bool = True,
) -> bytes:
    """The .ics file of a session (a row or entity) and its course.

    DTSTAMP is the session's last change rather than "now", so the same session state gives
    the same bytes (downloads can be compared and cached). Without `with_link` (the file
    served to anyone holding the session's id) the online link is left out: it is for those
    booked, in their invitation.
    """
    method = method or method_for(training)
    link = training.online_url if with_link else None
    note = None if with_link or not training.online_url else ONLINE_NOTE
    parts = [course.description, link or note]
    event = CalendarEvent(
        uid=session_uid(training.id),
        sequence=training.ics_sequence,
        summary=course.title,
        starts_at=training.starts_at,
        ends_at=training.ends_at,
        time_zone=training.time_zone,
        description="\n\n".join(p for p in parts if p) or None,
        location=training.venue or link or ("Online" if training.online_url else None),
        url=link,
        organizer_email=organizer.email,
        organizer_name=organizer.name,
        attendees=(Attendee(attendee.email, attendee.name),) if attendee else (),
        cancelled=training.status == "CANCELLED",
    )
    return build_calendar(event, method, product_id=PRODUCT_ID, stamp=training.updated_at)


def render_feed(
    entries: Iterable[tuple[Any, str]], *, organizer: Person, name: str | None = None
) -> bytes:
    """A published calendar of sessions: (session row with its course's `title` and
    `description`, the session's public page address) pairs, one VEVENT each.

    Each event has the UID and SEQUENCE of the session's own .ics, so a calendar that holds
    both shows one event. It never carries the online link: that is for those booked (their
    invitation); the event's URL is the session's public page. DTSTAMP is the session's last
    change, as in render_ics.
    """
    events = []
    for training, page in entries:
        parts = [training.description, page]
        event = CalendarEvent(
            uid=session_uid(training.id),
            sequence=training.ics_sequence,
            summary=training.title,
            starts_at=training.starts_at,
            ends_at=training.ends_at,
            time_zone=training.time_zone,
            description="\n\n".join(p for p in parts if p),
            location=training.venue or "Online",
            url=page,
            organizer_email=organizer.email,
            organizer_name=organizer.name,
            cancelled=training.status == "CANCELLED",
        )
        events.append((event, training.updated_at))
    return build_feed(events, product_id=PRODUCT_ID, name=name)
