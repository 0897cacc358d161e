"""Who is invited, the invitations, and the reminder plan (what falls due when, for whom)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    column,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.auth.scope import contact_condition
from network.contacts.models import Contact
from network.kit.enums import MeetingStatus, MembershipStatus, RsvpResponse
from network.meetings.emails import EMAIL_KIND, Invitee
from network.meetings.models import (
    MeetingInvitation,
    MeetingReminder,
    NetworkMeeting,
    ReminderStatus,
)
from network.members.models import Member
from network.programme.models import CohortMember

meetings = NetworkMeeting.__table__.c
invitations = MeetingInvitation.__table__.c
reminders = MeetingReminder.__table__.c
contacts = Contact.__table__.c


def invitable_contacts(principal: Principal) -> Select[Any]:
    """Active contacts who take programme emails, within the principal's contact scope."""
    return select(Contact.id).where(
        Contact.archived_at.is_(None),
        not_(Contact.email_opt_outs.contains([EMAIL_KIND])),
        contact_condition(principal),
    )


def of_meeting_audience(statement: Select[Any], meeting: NetworkMeeting) -> Select[Any]:
    """Limit contacts to the meeting's audience: its cohort's members, or its network's."""
    if meeting.cohort_id is not None:
        return statement.where(
            Contact.member_id.in_(
                select(CohortMember.member_id).where(CohortMember.cohort_id == meeting.cohort_id)
            )
        )
    return statement.where(
        Contact.member_id.in_(
            select(Member.id).where(
                Member.network == meeting.network,
                Member.membership_status != MembershipStatus.LAPSED,
            )
        )
    )


async def invite(
    session: AsyncSession, meeting: NetworkMeeting, chosen: Select[Any]
) -> list[Invitee]:
    """Insert invitations for the contacts `chosen` selects (ids); the new invitees, by name.

    One statement: INSERT ... SELECT ... ON CONFLICT DO NOTHING, joined back to the contacts.
    """
    new = (
        insert(MeetingInvitation)
        .from_select(
            ["id", "meeting_id", "contact_id", "invited_at"],
            select(
                func.gen_random_uuid(),
                literal(meeting.id),
                chosen.subquery().c.id,
                func.now(),
            ),
        )
        .on_conflict_do_nothing()
        .returning(MeetingInvitation.id, MeetingInvitation.contact_id)
        .cte("new_invitations")
    )
    statement = (
        select(
            new.c.id,
            new.c.contact_id,
            Contact.email,
            Contact.first_name,
            Contact.last_name,
            Contact.language,
        )
        .join(Contact, Contact.id == new.c.contact_id)
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )
    return [Invitee.from_row(row) for row in (await session.execute(statement)).all()]


async def current_invitees(session: AsyncSession, meeting_id: uuid.UUID) -> list[Invitee]:
    """Every invitee of a meeting who still takes programme emails (for updates, cancels)."""
    statement = (
        select(
            invitations.id,
            invitations.contact_id,
            invitations.response,
            Contact.email,
            Contact.first_name,
            Contact.last_name,
            Contact.language,
        )
        .join(Contact, Contact.id == invitations.contact_id)
        .where(
            invitations.meeting_id == meeting_id,
            Contact.archived_at.is_(None),
            not_(Contact.email_opt_outs.contains([EMAIL_KIND])),
        )
        .order_by(Contact.last_name, Contact.first_name, Contact.id)
    )
    return [Invitee.from_row(row) for row in (await session.execute(statement)).all()]


async def plan_reminders(
    session: AsyncSession,
    meeting: NetworkMeeting,
    *,
    now: datetime,
    invitation_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
) -> int:
    """Plan the meeting's reminders still to come, for invitees who have not said no.

    A reminder is planned when it falls due after `now` and was neither sent nor planned
    already for that invitee and offset (a reschedule sends the remaining reminders at the new
    times, not the ones already sent). One INSERT ... SELECT; returns how many were planned.
    """
    due = [
        (offset, meeting.starts_at - timedelta(minutes=offset))
        for offset in meeting.reminder_offsets_minutes
    ]
    due = [(offset, at) for offset, at in due if at > now]
    if not due or meeting.status is not MeetingStatus.SCHEDULED:
        return 0
    plan = values(
        column("offset_minutes", Integer),
        column("due_at", DateTime(timezone=True)),
        name="plan",
    ).data(due)
    taken = (
        select(reminders.id)
        .where(
            reminders.invitation_id == invitations.id,
            reminders.offset_minutes == plan.c.offset_minutes,
            reminders.status.in_([ReminderStatus.PLANNED, ReminderStatus.SENT]),
        )
        .exists()
    )
    chosen = (
        select(
            invitations.meeting_id,
            invitations.id,
            plan.c.offset_minutes,
            plan.c.due_at,
            literal(ReminderStatus.PLANNED.value),
        )
        .select_from(MeetingInvitation.__table__)
        .join(plan, true())
        .where(
            invitations.meeting_id == meeting.id,
            or_(invitations.response.is_(None), invitations.response != RsvpResponse.NO),
            not_(taken),
        )
    )
    if invitation_id is not None:
        chosen = chosen.where(invitations.id == invitation_id)
    if member_id is not None:
        chosen = chosen.where(
            invitations.contact_id.in_(select(Contact.id).where(Contact.member_id == member_id))
        )
    result = await session.execute(
        insert(MeetingReminder)
        .from_select(["meeting_id", "invitation_id", "offset_minutes", "due_at", "status"], chosen)
        .returning(MeetingReminder.id)
    )
    return len(result.all())


async def drop_planned(
    session: AsyncSession,
    meeting_id: uuid.UUID,
    status: ReminderStatus,
    invitation_id: uuid.UUID | None = None,
    *,
    invitation_ids: Sequence[uuid.UUID] | None = None,
) -> None:
    """Mark the planned reminders of a meeting (or of some invitations) as not to be sent."""
    statement = update(MeetingReminder).where(
        MeetingReminder.meeting_id == meeting_id,
        MeetingReminder.status == ReminderStatus.PLANNED,
    )
    if invitation_id is not None:
        statement = statement.where(MeetingReminder.invitation_id == invitation_id)
    if invitation_ids is not None:
        statement = statement.where(MeetingReminder.invitation_id.in_(list(invitation_ids)))
    await session.execute(
        statement.values(status=status), execution_options={"synchronize_session": False}
    )
