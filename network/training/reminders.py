"""The two-day reminder: a due-scan the worker's cron and `network reminders send` run.

A confirmed booking is due a reminder from 48 hours before the session starts (an instant,
so the day the clocks change makes no difference) until the start. Each booking is reminded
once: the scan marks it (`reminder_queued_at`, over a partial index of the bookings still
owed one) in the same transaction as the outbox row, whose de-duplication key would refuse a
second copy anyway. Several scans may run at once: rows another scan holds are skipped.
A booking made or promoted inside the 48 hours is not reminded: its confirmation is as recent.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.db import utcnow
from network.training import notices
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.models import Booking, TrainingSession

REMINDER_BEFORE = timedelta(hours=notices.REMINDER_HOURS)


async def queue_due_reminders(
    session: AsyncSession, *, now: datetime | None = None, limit: int = 1000
) -> int:
    """Owe the two-day reminder to every booking now due one; returns how many were owed."""
    now = now or utcnow()
    statement = (
        select(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_queued_at.is_(None),
            TrainingSession.status == TrainingSessionStatus.SCHEDULED,
            TrainingSession.starts_at > now,
            TrainingSession.starts_at - REMINDER_BEFORE <= now,
            func.coalesce(Booking.promoted_at, Booking.booked_at)
            < TrainingSession.starts_at - REMINDER_BEFORE,
        )
        .order_by(TrainingSession.starts_at, Booking.queue_number)
        .limit(limit)
        .with_for_update(of=Booking, skip_locked=True)
        .execution_options(populate_existing=True)
    )
    due = list((await session.scalars(statement)).all())
    if not due:
        return 0
    by_session: dict[object, list[Booking]] = defaultdict(list)
    for booking in due:
        booking.reminder_queued_at = now
        by_session[booking.session_id].append(booking)
    trainings = await session.scalars(
        select(TrainingSession).where(TrainingSession.id.in_(list(by_session)))
    )
    for training in trainings.all():
        await notices.reminder(session, training, by_session[training.id])
    await session.flush()
    return len(due)
