"""The emails training owes people, written to the outbox in the caller's transaction.

Each email is rendered later from the plain snapshot built here (names, the course title, the
times already written out in the session's time zone and the contact's language), never from
database objects. Each has a de-duplication key naming what it is about, so asking twice for
the same email (a retried job, a second reminder scan) writes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from email.utils import parseaddr
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import get_settings
from network.contacts.models import Contact
from network.kit.calendar import CalendarMethod as Method
from network.messaging.mime import Attachment
from network.messaging.service import queue_email
from network.training.enums import BookingStatus
from network.training.ics import Person, file_name, render_ics
from network.training.models import Booking, Course, TrainingSession
from network.training.times import format_date, format_span, local

# Booking emails are service messages a booking needs (they carry the invite); only the
# reminder is the optional kind "training" that a contact may opt out of.
REMINDER_KIND = "training"
REMINDER_HOURS = 48


def ics_url(session_id: uuid.UUID) -> str:
    """The absolute address of a session's calendar file, under BASE_URL."""
    return f"{get_settings().base_url.rstrip('/')}/training/sessions/{session_id}.ics"


def organizer() -> Person:
    """Who sends the invitations: the configured sender address."""
    name, address = parseaddr(get_settings().smtp_sender)
    return Person(name=name or "Network CRM", email=address or "no-reply@network-crm.invalid")


async def _contacts(session: AsyncSession, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    found = await session.scalars(select(Contact).where(Contact.id.in_(wanted)))
    return {c.id: c for c in found.all()}


async def _course(session: AsyncSession, training: TrainingSession) -> Course:
    course = await session.get(Course, training.course_id)
    assert course is not None
    return course


def _context(training: TrainingSession, course: Course, contact: Any) -> dict[str, Any]:
    """The plain data every training email is rendered from."""
    language = contact.language
    starts = local(training.starts_at, training.time_zone)
    span = (training.starts_at, training.ends_at, training.time_zone)
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "course_title": course.title,
        "course_format": course.format.value,
        "cpd_hours": str(course.cpd_hours),
        "cpd_certified": course.cpd_certified,
        "date": format_date(starts, language),
        "when": format_span(*span, language),
        "starts_at_local": starts.isoformat(),
        "time_zone": training.time_zone,
        "session_language": training.language,
        "venue": training.venue,
        "online_url": training.online_url,
        "trainer": training.trainer,
        "ics_url": ics_url(training.id),
        "waitlist_position": None,
        "reason": None,
        "was_waitlisted": False,
        # A Welsh email is bilingual: its English half reads these instead.
        "en": {"date": format_date(starts, "en"), "when": format_span(*span, "en")},
    }


def _invite(training: TrainingSession, course: Course, contact: Any, method: Method) -> Attachment:
    content = render_ics(
        training,
        course,
        organizer=organizer(),
        method=method,
        attendee=Person(f"{contact.first_name} {contact.last_name}", contact.email),
    )
    return Attachment(
        file_name(training.id), f"text/calendar; method={method.value}; charset=utf-8", content
    )


async def _owe(
    session: AsyncSession,
    *,
    template: str,
    contact: Any,
    context: dict[str, Any],
    dedup_key: str,
    kind: str | None = None,
    attachments: Sequence[Attachment] = (),
) -> None:
    """Write one email to the outbox (a no-op when its de-duplication key already exists)."""
    await queue_email(
        session,
        template=template,
        to_email=contact.email,
        language=contact.language,
        context=context,
        dedup_key=dedup_key,
        contact_id=contact.id,
        kind=kind,
        attachments=attachments,
    )


async def _send(
    session: AsyncSession,
    training: TrainingSession,
    bookings: Sequence[Booking],
    template: str,
    key: str,
    *,
    method: Method | None,
    extra: dict[str, Any] | None = None,
    kind: str | None = None,
    contacts: Mapping[uuid.UUID, Any] | None = None,
) -> None:
    if not bookings:
        return
    course = await _course(session, training)
    wanted = [b.contact_id for b in bookings]
    if contacts is None or any(i not in contacts for i in wanted):
        contacts = await _contacts(session, wanted)
    for booking in bookings:
        contact = contacts[booking.contact_id]
        context = {**_context(training, course, contact), **(extra or {})}
        attachments = [_invite(training, course, contact, method)] if method else []
        await _owe(
            session,
            template=template,
            contact=contact,
            context=context,
            dedup_key=key.format(
                booking=booking.id,
                session=training.id,
                seq=training.ics_sequence,
                start=int(training.starts_at.timestamp()),
            ),
            kind=kind,
            attachments=attachments,
        )


async def booking_confirmed(
    session: AsyncSession,
    training: TrainingSession,
    bookings: Sequence[Booking],
    *,
    contacts: Mapping[uuid.UUID, Any] | None = None,
) -> None:
    """A seat is yours: the confirmation, with the calendar invite."""
    await _send(
        session,
        training,
        bookings,
        "training_booking_confirmed",
        "training-booking-confirmed:{booking}",
        method=Method.REQUEST,
        contacts=contacts,
    )


async def booking_promoted(
    session: AsyncSession, training: TrainingSession, bookings: Sequence[Booking]
) -> None:
    """A seat came free and is now yours: with the calendar invite."""
    await _send(
        session,
        training,
        bookings,
        "training_booking_promoted",
        "training-booking-promoted:{booking}",
        method=Method.REQUEST,
    )


async def booking_waitlisted(
    session: AsyncSession,
    training: TrainingSession,
    booking: Booking,
    position: int,
    *,
    contacts: Mapping[uuid.UUID, Any] | None = None,
) -> None:
    """The session is full: you are number `position` on the waiting list."""
    await _send(
        session,
        training,
        [booking],
        "training_booking_waitlisted",
        "training-booking-waitlisted:{booking}",
        method=None,
        extra={"waitlist_position": position},
        contacts=contacts,
    )


async def booking_cancelled(
    session: AsyncSession, training: TrainingSession, booking: Booking, *, had_seat: bool
) -> None:
    """Your booking was cancelled (a held seat also gets a calendar cancellation)."""
    await _send(
        session,
        training,
        [booking],
        "training_booking_cancelled",
        "training-booking-cancelled:{booking}",
        method=Method.CANCEL if had_seat else None,
        extra={"reason": booking.cancellation_reason, "was_waitlisted": not had_seat},
    )


async def session_changed(
    session: AsyncSession, training: TrainingSession, live: Sequence[Booking]
) -> None:
    """Staff changed the session: the new details, and the updated invite for seat holders."""
    seated = [b for b in live if b.status is BookingStatus.CONFIRMED]
    waiting = [b for b in live if b.status is BookingStatus.WAITLISTED]
    key = "training-session-changed:{session}:{seq}:{booking}"
    await _send(session, training, seated, "training_session_changed", key, method=Method.REQUEST)
    await _send(
        session,
        training,
        waiting,
        "training_session_changed",
        key,
        method=None,
        extra={"was_waitlisted": True},
    )


async def session_cancelled(
    session: AsyncSession,
    training: TrainingSession,
    cancelled: Sequence[Booking],
    had_seat: set[uuid.UUID],
) -> None:
    """Staff cancelled the session: everyone booked or waiting is told; seats get CANCEL."""
    key = "training-session-cancelled:{session}:{booking}"
    extra = {"reason": training.cancellation_reason}
    seated = [b for b in cancelled if b.id in had_seat]
    waiting = [b for b in cancelled if b.id not in had_seat]
    await _send(
        session,
        training,
        seated,
        "training_session_cancelled",
        key,
        method=Method.CANCEL,
        extra=extra,
    )
    await _send(
        session,
        training,
        waiting,
        "training_session_cancelled",
        key,
        method=None,
        extra={**extra, "was_waitlisted": True},
    )


async def reminder(
    session: AsyncSession, training: TrainingSession, bookings: Sequence[Booking]
) -> None:
    """Your session starts in two days."""
    await _send(
        session,
        training,
        bookings,
        "training_reminder",
        # One reminder per booking and start time: a rescheduled session is reminded again.
        "training-reminder:{booking}:" + f"{REMINDER_HOURS}h" + ":{start}",
        method=None,
        kind=REMINDER_KIND,
    )
