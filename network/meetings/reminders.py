"""The reminder due-scan: claim the reminders whose time has come and owe their emails.

A batch is one transaction and one claim statement: an UPDATE over the oldest due PLANNED
reminders, locked with `FOR UPDATE SKIP LOCKED` (so several workers, or a worker and the
`network reminders send` command, share the work and never take the same row), joined to the
invitation, the meeting and the contact. It marks each row SENT, or SKIPPED when the meeting
was cancelled or has started, the invitee said no, was archived or opted out of programme
emails; and it returns what the emails need. The outbox rows are written in the same
transaction, each with a dedup key naming the meeting, the contact, the offset and the start,
so a reminder is owed exactly once: if the batch rolls back (a worker killed mid-batch), the
reminders are PLANNED again and nothing was owed; if it commits, they are SENT and owed once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, case, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.contacts.models import Contact
from network.db import AfterCommit, unit_of_work, utcnow
from network.kit.enums import MeetingStatus, RsvpResponse
from network.meetings import emails
from network.meetings.emails import EMAIL_KIND, Invitee, MeetingFacts
from network.meetings.models import (
    MeetingInvitation,
    MeetingReminder,
    NetworkMeeting,
    ReminderStatus,
)

logger = logging.getLogger("network.meetings")

reminders = cast(Table, MeetingReminder.__table__)
invitations = cast(Table, MeetingInvitation.__table__)
meetings = cast(Table, NetworkMeeting.__table__)
contacts = cast(Table, Contact.__table__)
DEFAULT_BATCH_SIZE = 100


@dataclass(slots=True)
class ReminderPass:
    """What one pass did."""

    batches: int = 0
    sent: int = 0
    skipped: int = 0

    @property
    def claimed(self) -> int:
        """Reminders taken off the plan: sent plus skipped."""
        return self.sent + self.skipped


def _claim(now: datetime, limit: int) -> Any:
    """The one statement that claims a batch and returns what its emails need."""
    due = (
        select(reminders.c.id)
        .where(reminders.c.status == ReminderStatus.PLANNED, reminders.c.due_at <= now)
        .order_by(reminders.c.due_at, reminders.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("due")
    )
    wanted = and_(
        meetings.c.status == MeetingStatus.SCHEDULED,
        meetings.c.starts_at > now,
        or_(invitations.c.response.is_(None), invitations.c.response != RsvpResponse.NO),
        contacts.c.archived_at.is_(None),
        not_(contacts.c.email_opt_outs.contains([EMAIL_KIND])),
    )
    return (
        update(reminders)
        .where(
            reminders.c.id == due.c.id,
            invitations.c.id == reminders.c.invitation_id,
            meetings.c.id == reminders.c.meeting_id,
            contacts.c.id == invitations.c.contact_id,
        )
        .values(
            status=case((wanted, ReminderStatus.SENT.value), else_=ReminderStatus.SKIPPED.value),
            sent_at=case((wanted, now), else_=None),
        )
        .returning(
            reminders.c.status,
            reminders.c.offset_minutes,
            reminders.c.due_at,
            invitations.c.id.label("invitation_id"),
            invitations.c.contact_id,
            invitations.c.response,
            contacts.c.email,
            contacts.c.first_name,
            contacts.c.last_name,
            contacts.c.language,
            meetings.c.id.label("meeting_id"),
            meetings.c.title,
            meetings.c.after_step,
            meetings.c.starts_at,
            meetings.c.ends_at,
            meetings.c.time_zone,
            meetings.c.venue,
            meetings.c.online_url,
            meetings.c.agenda,
            meetings.c.sequence,
        )
    )


def _email(row: Any) -> emails.OwedEmail:
    meeting = MeetingFacts(
        id=row.meeting_id,
        title=row.title,
        after_step=str(row.after_step),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        time_zone=row.time_zone,
        venue=row.venue,
        online_url=row.online_url,
        agenda=row.agenda,
        sequence=row.sequence,
    )
    invitee = Invitee.from_row(row, invitation_id=row.invitation_id)
    return emails.reminder(meeting, invitee, row.offset_minutes)


async def send_due_batch(
    session: AsyncSession, *, now: datetime | None = None, limit: int = DEFAULT_BATCH_SIZE
) -> tuple[int, int]:
    """Claim up to `limit` due reminders and owe their emails; (sent, skipped). Never commits."""
    moment = now or utcnow()
    rows = (await session.execute(_claim(moment, limit))).all()
    owed = [_email(row) for row in rows if row.status == ReminderStatus.SENT]
    await emails.queue_emails(session, owed)
    return len(owed), len(rows) - len(owed)


async def send_due_reminders(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    max_batches: int | None = None,
    after_commit: AfterCommit | None = None,
) -> ReminderPass:
    """One pass over the due reminders, a batch per transaction, until none is left.

    The job-level boundary of the reminder worker and of `network reminders send`: each batch
    is its own unit of work, and `after_commit(session)` runs after each commit (the worker
    enqueues the delivery of the messages just owed there).
    """
    result = ReminderPass()
    while max_batches is None or result.batches < max_batches:
        async with unit_of_work(sessions, after_commit=after_commit) as session:
            sent, skipped = await send_due_batch(session, now=now, limit=batch_size)
        if sent or skipped:
            result.batches += 1
            result.sent += sent
            result.skipped += skipped
        if sent + skipped < batch_size:
            break
    if result.claimed:
        logger.info(
            "meeting reminders: %d sent, %d skipped in %d batches",
            result.sent,
            result.skipped,
            result.batches,
        )
    return result
