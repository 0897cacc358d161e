"""Scheduled training sessions: listing them, scheduling, changing and cancelling them.

Every operation that changes seats locks the session row first (SELECT ... FOR UPDATE, under
READ COMMITTED) and only then counts: bookings, cancellations and capacity changes of one
session run one after the other, so a seat is never sold twice and never left empty while
someone waits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Row, Select, and_, cast, func, not_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.sentinel import UNSET
from network.kit.validation import clean_language, clean_text
from network.members.service import load_member
from network.programme.service import load_cohort
from network.training import notices
from network.training.catalogue import load_course
from network.training.enums import SEAT_HOLDING, BookingStatus, TrainingSessionStatus
from network.training.ics import Person, render_ics
from network.training.models import Booking, Course, TrainingSession
from network.training.scope import session_condition
from network.training.times import clean_time_zone, to_utc

sessions = TrainingSession.__table__.c
bookings = Booking.__table__.c
MAX_CAPACITY = 10_000
MAX_LENGTH = timedelta(days=14)
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
    has_seats: bool | None = None
    status: TrainingSessionStatus | None = None
    newest_first: bool = False  # latest start first (past sessions)


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
        open_seats = and_(
            sessions.status == TrainingSessionStatus.SCHEDULED,
            sessions.capacity > _seats_taken(),
        )
        statement = statement.where(open_seats if query.has_seats else not_(open_seats))
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


async def lock_session(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID | None, field: str
) -> TrainingSession:
    """The session, locked until the transaction ends; hidden and missing look the same.

    Take this lock before counting or changing bookings of the session: it is what makes
    concurrent bookings and cancellations of one session safe.
    """
    visible = session_condition(principal)
    return await load_visible(
        session, TrainingSession, session_id, visible, field=field, what="training session"
    )


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
        .with_for_update()
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
    """A session's .ics file, for whoever holds its unguessable id; None for an unknown id.

    A session's calendar file carries only what its invitation carries (course, times, place,
    online link), so it is served by id, without a token: calendar programs and email clients
    fetch it without one. The id is a random UUID, known only to those shown the session.
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
    return render_ics(training, course, organizer=organizer)


def _clean_url(errors: Errors, field: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        errors.add(field, "INVALID_URL", "An online link must be an http(s) address.")
        return None
    return url


def _clean_capacity(errors: Errors, value: int | None) -> int | None:
    if value is None:
        errors.add("capacity", "REQUIRED", "A capacity is required.")
        return None
    if value < 1 or value > MAX_CAPACITY:
        errors.add("capacity", "OUT_OF_RANGE", f"Capacity must be between 1 and {MAX_CAPACITY}.")
        return None
    return value


def _clean_session_language(errors: Errors, value: str | None) -> str | None:
    if value is None or not value.strip():
        errors.add("language", "REQUIRED", "A language is required: en, cy, fr, es or de.")
        return None
    return clean_language(errors, "language", value)


@dataclass(slots=True)
class _Schedule:
    starts_at: datetime | None
    ends_at: datetime | None
    booking_deadline: datetime | None
    time_zone: str | None


def _clean_schedule(
    errors: Errors,
    *,
    zone_name: str | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    booking_deadline: datetime | None,
    now: datetime,
    check_future: bool,
) -> _Schedule:
    """Times as UTC instants: end after start, deadline not after start, start in the future."""
    zone: ZoneInfo | None = clean_time_zone(errors, "timeZone", zone_name)
    result = _Schedule(None, None, None, zone.key if zone else None)
    if zone is None:
        return result
    if starts_at is None:
        errors.add("startsAt", "REQUIRED", "A start is required.")
    else:
        result.starts_at = to_utc(errors, "startsAt", starts_at, zone)
    if ends_at is None:
        errors.add("endsAt", "REQUIRED", "An end is required.")
    else:
        result.ends_at = to_utc(errors, "endsAt", ends_at, zone)
    if booking_deadline is not None:
        result.booking_deadline = to_utc(errors, "bookingDeadline", booking_deadline, zone)
    start, end, deadline = result.starts_at, result.ends_at, result.booking_deadline
    if start is not None and check_future and start <= now:
        errors.add("startsAt", "IN_PAST", "A session must start in the future.")
    if start is not None and end is not None:
        if end <= start:
            errors.add("endsAt", "ENDS_BEFORE_START", "A session must end after it starts.")
        elif end - start > MAX_LENGTH:
            errors.add("endsAt", "TOO_LONG", "A session lasts at most 14 days.")
    if start is not None and deadline is not None and deadline > start:
        errors.add(
            "bookingDeadline", "AFTER_START", "The booking deadline must be before the start."
        )
    return result


async def _reservation(
    session: AsyncSession,
    principal: Principal,
    errors: Errors,
    cohort_id: uuid.UUID | None,
    member_id: uuid.UUID | None,
    *,
    cohort_given: bool = True,
    member_given: bool = True,
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """Resolve the optional reservation for one cohort or one member (not both)."""
    if cohort_id is not None and member_id is not None:
        errors.add(
            "reservedMemberId",
            "ONE_RESERVATION",
            "Reserve a session for one cohort or one member, not both.",
        )
        return None, None
    try:
        if cohort_given and cohort_id is not None:
            await load_cohort(session, principal, cohort_id, "reservedCohortId")
        if member_given and member_id is not None:
            await load_member(session, principal, member_id, "reservedMemberId")
    except DomainError as error:
        for item in error.errors:
            errors.add(item.field, item.code, item.message)
    return cohort_id, member_id


async def create_training_session(
    session: AsyncSession,
    principal: Principal,
    *,
    course_id: uuid.UUID | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    time_zone: str | None,
    language: str | None,
    capacity: int | None,
    booking_deadline: datetime | None = None,
    venue: str | None = None,
    online_url: str | None = None,
    trainer: str | None = None,
    reserved_cohort_id: uuid.UUID | None = None,
    reserved_member_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> TrainingSession:
    """Schedule a session of a course (staff); times without an offset are read in `timeZone`."""
    require_staff(principal, "courseId")
    now = now or utcnow()
    errors = Errors()
    course: Course | None = None
    try:
        course = await load_course(session, principal, course_id, "courseId")
    except NotFound as error:
        errors.items.extend(error.errors)
    schedule = _clean_schedule(
        errors,
        zone_name=time_zone,
        starts_at=starts_at,
        ends_at=ends_at,
        booking_deadline=booking_deadline,
        now=now,
        check_future=True,
    )
    lang = _clean_session_language(errors, language)
    seats = _clean_capacity(errors, capacity)
    clean_venue = clean_text(errors, "venue", venue, required=False, max_length=300)
    clean_online = _clean_url(errors, "onlineUrl", online_url)
    if clean_venue is None and clean_online is None and not errors.has("onlineUrl"):
        errors.add("venue", "LOCATION_REQUIRED", "Give a venue, an online link, or both.")
    clean_trainer = clean_text(errors, "trainer", trainer, required=False)
    cohort_id, member_id = await _reservation(
        session, principal, errors, reserved_cohort_id, reserved_member_id
    )
    errors.raise_if_any()
    assert course is not None and lang is not None and seats is not None
    assert schedule.starts_at is not None and schedule.ends_at is not None
    assert schedule.time_zone is not None
    training = TrainingSession(
        course_id=course.id,
        starts_at=schedule.starts_at,
        ends_at=schedule.ends_at,
        time_zone=schedule.time_zone,
        language=lang,
        capacity=seats,
        booking_deadline=schedule.booking_deadline,
        venue=clean_venue,
        online_url=clean_online,
        trainer=clean_trainer,
        reserved_cohort_id=cohort_id,
        reserved_member_id=member_id,
        status=TrainingSessionStatus.SCHEDULED,
        ics_sequence=0,
    )
    session.add(training)
    await session.flush()
    audit.record(
        session,
        principal,
        "training_session.created",
        "TrainingSession",
        training.id,
        {
            "course_id": course.id,
            "starts_at": training.starts_at,
            "ends_at": training.ends_at,
            "time_zone": training.time_zone,
            "language": lang,
            "capacity": seats,
        },
    )
    return training


async def update_training_session(
    session: AsyncSession,
    principal: Principal,
    session_id: uuid.UUID | None,
    *,
    starts_at: Any = UNSET,
    ends_at: Any = UNSET,
    time_zone: Any = UNSET,
    language: Any = UNSET,
    capacity: Any = UNSET,
    booking_deadline: Any = UNSET,
    venue: Any = UNSET,
    online_url: Any = UNSET,
    trainer: Any = UNSET,
    reserved_cohort_id: Any = UNSET,
    reserved_member_id: Any = UNSET,
    status: Any = UNSET,
    cancellation_reason: str | None = None,
    now: datetime | None = None,
) -> TrainingSession:
    """Change a session (staff): times, place, capacity, or cancel it; attendees are told.

    Raising the capacity promotes as many people from the waiting list as now fit; lowering
    it below the seats already taken is refused. A change to what the calendar invite shows
    raises its SEQUENCE and sends every booked contact the updated invite; cancelling cancels
    every live booking and sends a cancellation.
    """
    require_staff(principal, "id")
    now = now or utcnow()
    training = await lock_session(session, principal, session_id, "id")
    if training.status is TrainingSessionStatus.CANCELLED:
        raise DomainError.one("id", "SESSION_CANCELLED", "A cancelled session cannot be changed.")
    errors = Errors()
    changes: dict[str, Any] = {}
    if any(v is not UNSET for v in (starts_at, ends_at, time_zone, booking_deadline)):
        zone_name = training.time_zone if time_zone is UNSET else time_zone
        zone = ZoneInfo(training.time_zone)
        schedule = _clean_schedule(
            errors,
            zone_name=zone_name,
            starts_at=training.starts_at.astimezone(zone) if starts_at is UNSET else starts_at,
            ends_at=training.ends_at.astimezone(zone) if ends_at is UNSET else ends_at,
            booking_deadline=(
                (training.booking_deadline.astimezone(zone) if training.booking_deadline else None)
                if booking_deadline is UNSET
                else booking_deadline
            ),
            now=now,
            check_future=starts_at is not UNSET or ends_at is not UNSET,
        )
        changes.update(
            starts_at=schedule.starts_at,
            ends_at=schedule.ends_at,
            time_zone=schedule.time_zone,
            booking_deadline=schedule.booking_deadline,
        )
    if language is not UNSET:
        changes["language"] = _clean_session_language(errors, language)
    if venue is not UNSET:
        changes["venue"] = clean_text(errors, "venue", venue, required=False, max_length=300)
    if online_url is not UNSET:
        changes["online_url"] = _clean_url(errors, "onlineUrl", online_url)
    if (
        (venue is not UNSET or online_url is not UNSET)
        and changes.get("venue", training.venue) is None
        and changes.get("online_url", training.online_url) is None
        and not errors.has("onlineUrl")
        and not errors.has("venue")
    ):
        errors.add("venue", "LOCATION_REQUIRED", "Give a venue, an online link, or both.")
    if trainer is not UNSET:
        changes["trainer"] = clean_text(errors, "trainer", trainer, required=False)
    if reserved_cohort_id is not UNSET or reserved_member_id is not UNSET:
        cohort_id = (
            training.reserved_cohort_id if reserved_cohort_id is UNSET else reserved_cohort_id
        )
        member_id = (
            training.reserved_member_id if reserved_member_id is UNSET else reserved_member_id
        )
        changes["reserved_cohort_id"], changes["reserved_member_id"] = await _reservation(
            session,
            principal,
            errors,
            cohort_id,
            member_id,
            cohort_given=reserved_cohort_id is not UNSET,
            member_given=reserved_member_id is not UNSET,
        )
    counts = await count_seats(session, training.id)
    if capacity is not UNSET:
        seats = _clean_capacity(errors, capacity)
        if seats is not None and seats < counts.taken:
            errors.add(
                "capacity",
                "BELOW_CONFIRMED",
                f"{counts.taken} people hold a seat, so the capacity cannot go below "
                f"{counts.taken}; cancel bookings first.",
            )
        changes["capacity"] = seats
    cancelling = status is not UNSET and status == TrainingSessionStatus.CANCELLED
    if status is not UNSET and status is None:
        errors.add("status", "REQUIRED", "A status is required.")
    reason = clean_text(
        errors, "cancellationReason", cancellation_reason, required=False, max_length=1000
    )
    if cancelling and training.starts_at <= now:
        errors.add("status", "SESSION_STARTED", "A session that has started cannot be cancelled.")
    errors.raise_if_any()

    changed = audit.apply_changes(training, changes)
    calendar_changed = any(k in CALENDAR_FIELDS for k in changed)
    if cancelling:
        return await _cancel_session(session, principal, training, reason, now, changed)
    if calendar_changed:
        training.ics_sequence += 1
    if "starts_at" in changed:
        # A new start is a new reminder: each booking is reminded before the new date too.
        await session.execute(
            update(Booking)
            .where(Booking.session_id == training.id, Booking.status == BookingStatus.CONFIRMED)
            .values(reminder_queued_at=None)
        )
    if changed:
        training.updated_at = now
        await session.flush()
        audit.record(
            session, principal, "training_session.updated", "TrainingSession", training.id, changed
        )
    promoted = await promote_waiting(session, training, now)
    for booking in promoted:
        audit.record(
            session,
            principal,
            "booking.promoted",
            "Booking",
            booking.id,
            {"session_id": training.id, "reason": "capacity raised"},
        )
    await notices.booking_promoted(session, training, promoted)
    if calendar_changed:
        live = await _live_bookings(session, training.id)
        await notices.session_changed(session, training, live)
    return training


async def _live_bookings(session: AsyncSession, session_id: uuid.UUID) -> list[Booking]:
    statement = (
        select(Booking)
        .where(
            Booking.session_id == session_id,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)),
        )
        .order_by(Booking.queue_number)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list((await session.scalars(statement)).all())


async def _cancel_session(
    session: AsyncSession,
    principal: Principal,
    training: TrainingSession,
    reason: str | None,
    now: datetime,
    changed: dict[str, Any],
) -> TrainingSession:
    live = await _live_bookings(session, training.id)
    had_seat = {b.id for b in live if b.status is BookingStatus.CONFIRMED}
    training.status = TrainingSessionStatus.CANCELLED
    training.cancelled_at = now
    training.cancellation_reason = reason
    training.ics_sequence += 1
    training.updated_at = now
    for booking in live:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancellation_reason = reason or "The session was cancelled."
        booking.cancelled_by_user_id = principal.user_id
    await session.flush()
    audit.record(
        session,
        principal,
        "training_session.cancelled",
        "TrainingSession",
        training.id,
        {**changed, "reason": reason, "bookings_cancelled": len(live)},
    )
    await notices.session_cancelled(session, training, live, had_seat)
    return training


def booking_open(training: Any, now: datetime) -> bool:
    """Whether the session takes bookings now (scheduled, before its deadline or start)."""
    closes = training.booking_deadline or training.starts_at
    return bool(training.status == TrainingSessionStatus.SCHEDULED and now < closes)
