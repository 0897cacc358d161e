"""Scheduled training sessions: listing them, their seats, and the calendar file.

Scheduling, changing and cancelling them is network.training.scheduling.

Every operation that changes seats locks the session row first (SELECT ... FOR NO KEY UPDATE,
under READ COMMITTED) and only then counts: bookings, cancellations and capacity changes of one
session run one after the other, so a seat is never sold twice and never left empty while
someone waits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Row, Select, and_, cast, func, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import NotFound
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.training.enums import SEAT_HOLDING, BookingStatus, TrainingSessionStatus
from network.training.ics import Person, render_ics
from network.training.models import Booking, Course, TrainingSession
from network.training.scope import session_condition

sessions = TrainingSession.__table__.c
bookings = Booking.__table__.c
# What a calendar invite shows: changing any of these sends attendees an updated invite.
CALENDAR_FIELDS = (
    "starts_at",
    "ends_at",
    "time_zone",
    "venue",
    "online_url",
    "language",
    "trainer",
)


# Sessions are paged in order of their start. The cursor holds the start as an integer
# (microseconds since 1970): keyset_page turns cursor values back into parameters by column
# type and knows UUIDs but not date-times, which come back from a cursor as text.
START_KEY = cast(func.extract("epoch", sessions.starts_at) * 1_000_000, BigInteger).label(
    "start_key"
)
# The same key negated, for listing the latest sessions first with the ascending keyset.
START_KEY_DESC = cast(-func.extract("epoch", sessions.starts_at) * 1_000_000, BigInteger).label(
    "start_key_desc"
)


@dataclass(slots=True)
class SessionQuery:
    """Filters for listing sessions; None means "any"."""

    starts_from: datetime | None = None
    starts_before: datetime | None = None
    course_id: uuid.UUID | None = None
    language: str | None = None
    # True: only sessions that can still be booked (scheduled, booking deadline or start not
    # passed, a seat free); False: every other session (full, closed, past or cancelled).
    has_seats: bool | None = None
    status: TrainingSessionStatus | None = None
    newest_first: bool = False  # latest start first (past sessions)
    now: datetime | None = None  # the instant has_seats is judged at (default: now)


@dataclass(frozen=True, slots=True)
class SeatCounts:
    """How many bookings of a session hold a seat, and how many wait for one."""

    taken: int = 0
    waiting: int = 0


def readable(principal: Principal) -> Select[Any]:
    """The sessions the principal may see, as Core rows (the only way to read sessions)."""
    return select(*sessions).where(session_condition(principal))


def _seats_taken() -> Any:
    return (
        select(func.count())
        .where(bookings.session_id == sessions.id, bookings.status.in_(SEAT_HOLDING))
        .scalar_subquery()
    )


async def list_sessions(
    session: AsyncSession,
    principal: Principal,
    query: SessionQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible sessions matching the query, in order of their start (the latest
    first with `newest_first`)."""
    statement = readable(principal)
    if query.starts_from is not None:
        statement = statement.where(sessions.starts_at >= query.starts_from)
    if query.starts_before is not None:
        statement = statement.where(sessions.starts_at < query.starts_before)
    if query.course_id is not None:
        statement = statement.where(sessions.course_id == query.course_id)
    if query.language is not None:
        statement = statement.where(sessions.language == query.language.strip().lower())
    if query.status is not None:
        statement = statement.where(sessions.status == query.status)
    if query.has_seats is not None:
        now = query.now or utcnow()
        # What can still be booked: scheduled, before its deadline (or start), a seat free.
        # The session's own columns come first, so the count runs only for open sessions.
        bookable = and_(
            sessions.status == TrainingSessionStatus.SCHEDULED,
            func.coalesce(sessions.booking_deadline, sessions.starts_at) > now,
            sessions.capacity > _seats_taken(),
        )
        statement = statement.where(bookable if query.has_seats else not_(bookable))
    key = START_KEY_DESC if query.newest_first else START_KEY
    statement = statement.add_columns(key)
    return await keyset_page(session, statement, [key, sessions.id], first=first, after=after)


async def get_sessions(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible sessions by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def seat_counts(
    session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SeatCounts]:
    """Seats taken and people waiting, per session, in one query (the ids are already visible)."""
    statement = (
        select(
            bookings.session_id,
            func.count().filter(bookings.status.in_(SEAT_HOLDING)),
            func.count().filter(bookings.status == BookingStatus.WAITLISTED),
        )
        .where(bookings.session_id.in_(session_ids))
        .group_by(bookings.session_id)
    )
    rows = (await session.execute(statement)).all()
    return {session_id: SeatCounts(taken, waiting) for session_id, taken, waiting in rows}


def _locked(statement: Select[Any]) -> Select[Any]:
    # FOR NO KEY UPDATE: exclusive between lockers, yet the FOR KEY SHARE taken by inserting a
    # row that points at the session (a booking, a certificate) never waits on it.
    return statement.with_for_update(key_share=True).execution_options(populate_existing=True)


async def lock_session(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID | None, field: str
) -> TrainingSession:
    """The session, locked until the transaction ends; hidden and missing look the same.

    Take this lock before counting or changing bookings of the session: it is what makes
    concurrent bookings and cancellations of one session safe. The order of locks, in every
    transaction that takes several: training sessions (in id order), the year's certificate
    counter, bookings (in id order), certificates.
    """
    if session_id is None:
        raise NotFound(field, "training session")
    statement = select(TrainingSession).where(
        TrainingSession.id == session_id, session_condition(principal)
    )
    training: TrainingSession | None = (await session.scalars(_locked(statement))).one_or_none()
    if training is None:
        raise NotFound(field, "training session")
    return training


async def lock_sessions(
    session: AsyncSession, session_ids: Sequence[uuid.UUID]
) -> list[TrainingSession]:
    """These sessions (the caller may see them), locked in id order; missing ones are absent."""
    if not session_ids:
        return []
    statement = (
        select(TrainingSession)
        .where(TrainingSession.id.in_(set(session_ids)))
        .order_by(TrainingSession.id)
    )
    return list((await session.scalars(_locked(statement))).all())


async def lock_bookings(
    session: AsyncSession, booking_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Booking]:
    """These bookings, locked in id order (take their sessions' locks first), by id."""
    if not booking_ids:
        return {}
    statement = select(Booking).where(Booking.id.in_(booking_ids)).order_by(Booking.id)
    return {b.id: b for b in (await session.scalars(_locked(statement))).all()}


async def count_seats(session: AsyncSession, session_id: uuid.UUID) -> SeatCounts:
    """Seats taken and people waiting on one session (call with the session locked)."""
    return (await seat_counts(session, [session_id])).get(session_id, SeatCounts())


async def promote_waiting(
    session: AsyncSession, training: TrainingSession, now: datetime
) -> list[Booking]:
    """Give free seats to the first people on the waiting list (call with the session locked)."""
    if training.status is not TrainingSessionStatus.SCHEDULED:
        return []
    free = training.capacity - (await count_seats(session, training.id)).taken
    if free <= 0:
        return []
    statement = (
        select(Booking)
        .where(Booking.session_id == training.id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(Booking.queue_number)
        .limit(free)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    promoted = list((await session.scalars(statement)).all())
    for booking in promoted:
        booking.status = BookingStatus.CONFIRMED
        booking.promoted_at = now
    if promoted:
        await session.flush()
    return promoted


async def calendar_file(
    session: AsyncSession, session_id: uuid.UUID, organizer: Person
) -> bytes | None:
    """A session's .ics file, for whoever holds its id; None for an unknown id.

    It is served by id, without a token: calendar programs and email clients fetch it without
    one. Public sessions' ids are published (the catalogue), so the file never carries the
    online link; those booked get it in their invitation's attachment.
    """
    row = (
        await session.execute(
            select(TrainingSession, Course)
            .join(Course, Course.id == TrainingSession.course_id)
            .where(TrainingSession.id == session_id)
        )
    ).first()
    if row is None:
        return None
    training, course = row
    return render_ics(training, course, organizer=organizer, with_link=False)


def booking_open(training: Any, now: datetime) -> bool:
    """Whether the session takes bookings now (scheduled, before its deadline or start)."""
    closes = training.booking_deadline or training.starts_at
    return bool(training.status == TrainingSessionStatus.SCHEDULED and now < closes)
