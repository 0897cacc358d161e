"""The public training catalogue: the upcoming sessions anyone may see, without signing in.

A session is in the catalogue when it is scheduled, open to everyone (reserved for no cohort
and no member: in-house training is shown only to those it is for) and still takes bookings
(its booking deadline, or else its start, is ahead). A full session stays listed, for its
waiting list. Nothing here depends on who asks, and a row carries only what the public pages
show: never the online link (it is for those booked, in their invitation) nor the trainer.

Filters: course, language, place and month.
- Place is "online" (the session has an online link) or "in person" (it has a venue); a hybrid
  session is both. There is no country of the venue to filter on (a venue is free text), and a
  session's time zone names a region, not a country (Europe/London holds the four UK
  nations), so the catalogue offers online or in person, with the language, instead.
- Month is the month of the start in the session's own time zone: a session at 00:30 on
  1 April in Paris is an April session, though it starts on 31 March in UTC.

Sessions come grouped by course (by title), each course's in order of their start, paged with
the house keyset pagination, so a course's sessions are never split by a session of another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.db import utcnow
from network.kit.pagination import Page, keyset_page, plain_rows
from network.training.enums import SEAT_HOLDING, BookingStatus, TrainingSessionStatus
from network.training.ics import render_feed
from network.training.models import Booking, Course, TrainingSession
from network.training.notices import organizer
from network.training.sessions import START_KEY

sessions = TrainingSession.__table__.c
courses = Course.__table__.c
bookings = Booking.__table__.c
MAX_FEED = 1000  # sessions in the calendar feed: far more than a year's catalogue
FEED_NAME = "Training"


@dataclass(slots=True)
class CatalogueQuery:
    """Filters for the public catalogue; None means "any"."""

    course_id: uuid.UUID | None = None
    language: str | None = None
    online: bool | None = None  # True: sessions with an online link; False: with a venue
    month: date | None = None  # any day of the month, in the session's own time zone
    now: datetime | None = None  # the instant "upcoming" is judged at (default: now)


def _count(*statuses: BookingStatus) -> Any:
    return (
        select(func.count())
        .where(bookings.session_id == sessions.id, bookings.status.in_(statuses))
        .scalar_subquery()
    )


def _open_to_everyone() -> Any:
    return and_(
        sessions.status == TrainingSessionStatus.SCHEDULED,
        sessions.reserved_cohort_id.is_(None),
        sessions.reserved_member_id.is_(None),
    )


def _public_columns() -> Select[Any]:
    """A session with its course and seats, as the public pages show it (one row each)."""
    return select(
        sessions.id,
        sessions.course_id,
        sessions.starts_at,
        sessions.ends_at,
        sessions.time_zone,
        sessions.language,
        sessions.venue,
        sessions.online_url.is_not(None).label("online"),
        sessions.capacity,
        sessions.booking_deadline,
        sessions.status,
        sessions.ics_sequence,
        sessions.updated_at,
        courses.title,
        courses.description,
        courses.format,
        courses.cpd_hours,
        courses.cpd_certified,
        _count(*SEAT_HOLDING).label("seats_taken"),
        _count(BookingStatus.WAITLISTED).label("waiting"),
        # Free seats (0 when full: a booking now joins the waiting list).
        func.greatest(sessions.capacity - _count(*SEAT_HOLDING), 0).label("seats_left"),
    ).join_from(TrainingSession, Course, courses.id == sessions.course_id)


def _upcoming(now: datetime) -> Select[Any]:
    """Every session of the catalogue at `now`."""
    return _public_columns().where(
        _open_to_everyone(), func.coalesce(sessions.booking_deadline, sessions.starts_at) > now
    )


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


async def list_catalogue(
    session: AsyncSession, query: CatalogueQuery, *, first: int | None, after: str | None
) -> Page:
    """A page of the catalogue's sessions matching the query, by course then start."""
    statement = _upcoming(query.now or utcnow())
    if query.course_id is not None:
        statement = statement.where(sessions.course_id == query.course_id)
    if query.language is not None:
        statement = statement.where(sessions.language == query.language.strip().lower())
    if query.online is True:
        statement = statement.where(sessions.online_url.is_not(None))
    elif query.online is False:
        statement = statement.where(sessions.venue.is_not(None))
    if query.month is not None and 2000 <= query.month.year <= 9998:
        start = date(query.month.year, query.month.month, 1)
        wall_clock = func.timezone(sessions.time_zone, sessions.starts_at)
        statement = statement.where(
            wall_clock >= datetime.combine(start, datetime.min.time()),
            wall_clock < datetime.combine(_next_month(start), datetime.min.time()),
        )
    statement = statement.add_columns(START_KEY)
    order = [courses.title, sessions.course_id, START_KEY, sessions.id]
    return await keyset_page(session, statement, order, first=first, after=after)


async def catalogue_courses(session: AsyncSession, now: datetime | None = None) -> list[Any]:
    """The courses (id, title) that have sessions in the catalogue, by title (for a filter)."""
    now = now or utcnow()
    statement = (
        select(courses.id, courses.title)
        .where(
            select(sessions.id)
            .where(
                sessions.course_id == courses.id,
                _open_to_everyone(),
                func.coalesce(sessions.booking_deadline, sessions.starts_at) > now,
            )
            .exists()
        )
        .order_by(courses.title, courses.id)
    )
    return list(plain_rows((await session.execute(statement)).all()))


async def public_session(session: AsyncSession, session_id: uuid.UUID) -> Any | None:
    """A session as its public page shows it, or None when it is not for the public
    (unknown, cancelled, or reserved for a cohort or a member).

    A session that no longer takes bookings (deadline passed, or over) still has its page:
    links to it outlive its place in the catalogue.
    """
    statement = _public_columns().where(sessions.id == session_id, _open_to_everyone())
    rows = plain_rows((await session.execute(statement)).all())
    return rows[0] if rows else None


async def catalogue_feed(session: AsyncSession, now: datetime | None = None) -> list[Any]:
    """Every session of the catalogue (at most MAX_FEED), in order of their start."""
    statement = _upcoming(now or utcnow()).order_by(sessions.starts_at, sessions.id).limit(MAX_FEED)
    return list(plain_rows((await session.execute(statement)).all()))


def page_url(base_url: str, session_id: uuid.UUID) -> str:
    """The absolute address of a session's public page, under the site's base URL."""
    return f"{base_url.rstrip('/')}/training/sessions/{session_id}"


async def catalogue_calendar(
    session: AsyncSession, base_url: str, now: datetime | None = None
) -> bytes:
    """The catalogue as an iCalendar feed (RFC 5545, METHOD:PUBLISH): one event per session,
    with the UID of the session's own .ics and its public page (under `base_url`) as URL."""
    rows = await catalogue_feed(session, now)
    entries = ((row, page_url(base_url, row.id)) for row in rows)
    return render_feed(entries, organizer=organizer(), name=FEED_NAME)
