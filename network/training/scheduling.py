"""Scheduling, changing and cancelling training sessions; attendees are told of changes.

Every change that touches seats locks the session row first (see network.training.sessions).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.db import utcnow
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.sentinel import UNSET
from network.kit.validation import clean_text
from network.training import notices
from network.training.catalogue import load_course
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.models import Booking, Course, TrainingSession
from network.training.session_rules import (
    clean_capacity,
    clean_schedule,
    clean_session_language,
    clean_url,
    reservation,
)
from network.training.sessions import CALENDAR_FIELDS, count_seats, lock_session, promote_waiting


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
    schedule = clean_schedule(
        errors,
        zone_name=time_zone,
        starts_at=starts_at,
        ends_at=ends_at,
        booking_deadline=booking_deadline,
        now=now,
        check_future=True,
    )
    lang = clean_session_language(errors, language)
    seats = clean_capacity(errors, capacity)
    clean_venue = clean_text(errors, "venue", venue, required=False, max_length=300)
    clean_online = clean_url(errors, "onlineUrl", online_url)
    if clean_venue is None and clean_online is None and not errors.has("onlineUrl"):
        errors.add("venue", "LOCATION_REQUIRED", "Give a venue, an online link, or both.")
    clean_trainer = clean_text(errors, "trainer", trainer, required=False)
    cohort_id, member_id = await reservation(
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
    _record_created(session, principal, training)
    return training


def _record_created(session: AsyncSession, principal: Principal, training: TrainingSession) -> None:
    audit.record(
        session,
        principal,
        "training_session.created",
        "TrainingSession",
        training.id,
        {
            "course_id": training.course_id,
            "starts_at": training.starts_at,
            "ends_at": training.ends_at,
            "time_zone": training.time_zone,
            "language": training.language,
            "capacity": training.capacity,
        },
    )


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
    changes = _schedule_changes(
        errors,
        training,
        now,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
        booking_deadline=booking_deadline,
    )
    changes.update(
        _place_changes(
            errors, training, language=language, venue=venue, online_url=online_url, trainer=trainer
        )
    )
    if reserved_cohort_id is not UNSET or reserved_member_id is not UNSET:
        changes["reserved_cohort_id"], changes["reserved_member_id"] = await reservation(
            session,
            principal,
            errors,
            training.reserved_cohort_id if reserved_cohort_id is UNSET else reserved_cohort_id,
            training.reserved_member_id if reserved_member_id is UNSET else reserved_member_id,
            cohort_given=reserved_cohort_id is not UNSET,
            member_given=reserved_member_id is not UNSET,
        )
    counts = await count_seats(session, training.id)
    if capacity is not UNSET:
        changes["capacity"] = _new_capacity(errors, capacity, counts.taken)
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
    if cancelling:
        return await _cancel_session(session, principal, training, reason, now, changed)
    return await _after_change(session, principal, training, changed, now)


async def cancel_training_session(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None,
    reason: str | None,
    now: datetime | None = None,
) -> TrainingSession:
    """Cancel a session with a reason (staff): every live booking is cancelled and everyone
    booked or waiting is told (seat holders get the calendar cancellation).

    The same cancellation as `update_training_session(status=CANCELLED)`; a session already
    cancelled, under way or ended is refused.
    """
    require_staff(principal, "sessionId")
    now = now or utcnow()
    training = await lock_session(session, principal, session_id, "sessionId")
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, max_length=1000)
    if training.status is TrainingSessionStatus.CANCELLED:
        errors.add("sessionId", "ALREADY_CANCELLED", "This session is already cancelled.")
    elif training.ends_at <= now:
        errors.add("sessionId", "SESSION_ENDED", "A session that has ended cannot be cancelled.")
    elif training.starts_at <= now:
        errors.add(
            "sessionId", "SESSION_STARTED", "A session that has started cannot be cancelled."
        )
    errors.raise_if_any()
    return await _cancel_session(session, principal, training, clean_reason, now, {})


async def _after_change(
    session: AsyncSession,
    principal: Principal,
    training: TrainingSession,
    changed: dict[str, Any],
    now: datetime,
) -> TrainingSession:
    """Follow an applied change: new invite, new reminders, promotions from the waiting list."""
    calendar_changed = any(k in CALENDAR_FIELDS for k in changed)
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


def _schedule_changes(
    errors: Errors,
    training: TrainingSession,
    now: datetime,
    *,
    starts_at: Any,
    ends_at: Any,
    time_zone: Any,
    booking_deadline: Any,
) -> dict[str, Any]:
    """The new times of a session, the ones left UNSET read from it in its own time zone."""
    if all(v is UNSET for v in (starts_at, ends_at, time_zone, booking_deadline)):
        return {}
    zone = ZoneInfo(training.time_zone)
    schedule = clean_schedule(
        errors,
        zone_name=training.time_zone if time_zone is UNSET else time_zone,
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
    return {
        "starts_at": schedule.starts_at,
        "ends_at": schedule.ends_at,
        "time_zone": schedule.time_zone,
        "booking_deadline": schedule.booking_deadline,
    }


def _place_changes(
    errors: Errors,
    training: TrainingSession,
    *,
    language: Any,
    venue: Any,
    online_url: Any,
    trainer: Any,
) -> dict[str, Any]:
    """The new language, venue, online link and trainer; the session keeps a place to be."""
    changes: dict[str, Any] = {}
    if language is not UNSET:
        changes["language"] = clean_session_language(errors, language)
    if venue is not UNSET:
        changes["venue"] = clean_text(errors, "venue", venue, required=False, max_length=300)
    if online_url is not UNSET:
        changes["online_url"] = clean_url(errors, "onlineUrl", online_url)
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
    return changes


def _new_capacity(errors: Errors, capacity: int | None, taken: int) -> int | None:
    """A new capacity, never below the seats already taken."""
    seats = clean_capacity(errors, capacity)
    if seats is not None and seats < taken:
        errors.add(
            "capacity",
            "BELOW_CONFIRMED",
            f"{taken} people hold a seat, so the capacity cannot go below "
            f"{taken}; cancel bookings first.",
        )
    return seats


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
