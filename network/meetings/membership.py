"""Invitations that follow who belongs: members joining or leaving a cohort, contacts coming
and going.

A member that joins a cohort is invited to the cohort's upcoming meetings, and one that leaves
is taken off them; a contact added to (or restored at) a member is invited to the upcoming
meetings its member is invited to, and an archived one is taken off all of its upcoming
meetings. Meetings already held, and their answers, are never touched.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.principal import Principal
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import MeetingStatus, MembershipStatus
from network.meetings import emails
from network.meetings.emails import EMAIL_KIND, Invitee, MeetingFacts, queue_emails
from network.meetings.models import MeetingInvitation, NetworkMeeting, ReminderStatus
from network.meetings.planning import (
    drop_planned,
    invitable_contacts,
    invite,
    of_meeting_audience,
    plan_reminders,
)
from network.members.models import Member
from network.messaging.models import OutboxMessage
from network.programme.models import Cohort, CohortMember

invitations = MeetingInvitation.__table__.c


async def invite_to_upcoming_meetings(
    session: AsyncSession, principal: Principal, *, cohort_id: uuid.UUID, member_id: uuid.UUID
) -> int:
    """Invite a member that just joined a cohort to the cohort's upcoming meetings.

    Its active contacts who take programme emails get an invitation each, and the reminders
    still to come are planned for them. Returns how many invitations were made.
    """
    now = utcnow()
    upcoming = (
        await session.scalars(
            select(NetworkMeeting)
            .where(
                NetworkMeeting.cohort_id == cohort_id,
                NetworkMeeting.status == MeetingStatus.SCHEDULED,
                NetworkMeeting.starts_at > now,
            )
            .order_by(NetworkMeeting.starts_at, NetworkMeeting.id)
            .with_for_update()
        )
    ).all()
    made = 0
    for meeting in upcoming:
        chosen = invitable_contacts(principal).where(Contact.member_id == member_id)
        invitees = await invite(session, meeting, chosen)
        if not invitees:
            continue
        made += len(invitees)
        await plan_reminders(session, meeting, now=now, member_id=member_id)
        again = await _invited_before(session, meeting.id, invitees)
        await queue_emails(session, emails.invitations(MeetingFacts.of(meeting), invitees, again))
        audit.record(
            session,
            principal,
            "meeting.invited",
            "NetworkMeeting",
            meeting.id,
            {"member_id": member_id, "invited": len(invitees)},
        )
    return made


async def _invited_before(
    session: AsyncSession, meeting_id: uuid.UUID, invitees: Sequence[Invitee]
) -> set[uuid.UUID]:
    """The new invitees who were invited once already (and withdrawn): their first key is taken."""
    if not invitees:
        return set()
    by_key = {emails.invitation_key(meeting_id, i.contact_id): i.contact_id for i in invitees}
    taken = await session.scalars(
        select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(list(by_key)))
    )
    return {by_key[key] for key in taken}


async def invite_contact_to_upcoming_meetings(
    session: AsyncSession, principal: Principal, *, contact_id: uuid.UUID
) -> int:
    """Invite a new (or restored) contact to the upcoming meetings its member is invited to.

    Those are the upcoming meetings of every cohort the member is in, and the network-wide
    meetings of its network while it has not lapsed (the audience `of_meeting_audience` draws).
    Only a live contact who takes programme emails is invited; each invitation gets its email
    and its reminders still to come. Returns how many invitations were made.
    """
    now = utcnow()
    # The member, locked: a concurrent add_cohort_member (whose new row must reference it)
    # waits for this transaction, then sees the new contact; and the member's cohorts, share-
    # locked: a concurrent schedule_meeting of one of them waits too, or has committed already
    # and its meeting is seen here. Either way the contact is invited to each cohort meeting.
    # (A network-wide meeting scheduled at the same instant may miss the contact.)
    member = (
        await session.execute(
            select(Member.id, Member.network, Member.membership_status)
            .join(Contact, Contact.member_id == Member.id)
            .where(Contact.id == contact_id)
            .with_for_update(of=Member)
        )
    ).one()
    cohort_ids = (
        await session.scalars(
            select(Cohort.id)
            .where(
                Cohort.id.in_(
                    select(CohortMember.cohort_id).where(CohortMember.member_id == member.id)
                )
            )
            .order_by(Cohort.id)
            .with_for_update(read=True)
        )
    ).all()
    audience: ColumnElement[bool] = NetworkMeeting.cohort_id.in_(list(cohort_ids))
    if member.membership_status != MembershipStatus.LAPSED:
        audience = or_(
            audience,
            and_(NetworkMeeting.cohort_id.is_(None), NetworkMeeting.network == member.network),
        )
    upcoming = (
        await session.scalars(
            select(NetworkMeeting)
            .where(
                audience,
                NetworkMeeting.status == MeetingStatus.SCHEDULED,
                NetworkMeeting.starts_at > now,
            )
            .order_by(NetworkMeeting.starts_at, NetworkMeeting.id)
            .with_for_update()
        )
    ).all()
    made = 0
    for meeting in upcoming:
        chosen = invitable_contacts(principal).where(Contact.id == contact_id)
        invitees = await invite(session, meeting, of_meeting_audience(chosen, meeting))
        if not invitees:
            continue
        made += len(invitees)
        for invitee in invitees:
            await plan_reminders(session, meeting, now=now, invitation_id=invitee.invitation_id)
        again = await _invited_before(session, meeting.id, invitees)
        await queue_emails(session, emails.invitations(MeetingFacts.of(meeting), invitees, again))
        audit.record(
            session,
            principal,
            "meeting.invited",
            "NetworkMeeting",
            meeting.id,
            {"contact_id": contact_id, "invited": len(invitees)},
        )
    return made


async def withdraw_from_upcoming_meetings(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None = None,
    member_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
) -> int:
    """Take a member's contacts (or one contact) off upcoming meetings that still go ahead.

    The meetings are the cohort's upcoming scheduled ones, or, without a cohort, every upcoming
    scheduled meeting the contacts are invited to. For each: the planned reminders of those
    invitations are skipped, the meeting's SEQUENCE goes up and each invitee who takes programme
    emails gets a cancellation (METHOD:CANCEL, same UID) so calendars drop the event, and the
    invitations are deleted (an RSVP link of one then answers like an unknown link). Meetings
    that have started, ended or were cancelled are never touched. The caller has already
    checked the principal may change the cohort membership or the contact. Returns how many
    invitations were withdrawn.
    """
    if (member_id is None) == (contact_id is None):
        raise ValueError("give exactly one of member_id and contact_id")
    now = utcnow()
    whose = Contact.member_id == member_id if member_id is not None else Contact.id == contact_id
    theirs = (
        select(MeetingInvitation.meeting_id)
        .join(Contact, Contact.id == MeetingInvitation.contact_id)
        .where(whose)
    )
    statement = select(NetworkMeeting).where(
        NetworkMeeting.id.in_(theirs),
        NetworkMeeting.status == MeetingStatus.SCHEDULED,
        NetworkMeeting.starts_at > now,
    )
    if cohort_id is not None:
        statement = statement.where(NetworkMeeting.cohort_id == cohort_id)
    upcoming = (
        await session.scalars(
            statement.order_by(NetworkMeeting.starts_at, NetworkMeeting.id).with_for_update()
        )
    ).all()
    withdrawn = 0
    for meeting in upcoming:
        rows = await _invitations_of(session, meeting.id, whose)
        if not rows:
            continue
        ids = [row.id for row in rows]
        await drop_planned(session, meeting.id, ReminderStatus.SKIPPED, invitation_ids=ids)
        meeting.sequence += 1
        await session.flush()
        told = _to_tell(rows)
        await queue_emails(session, emails.withdrawals(MeetingFacts.of(meeting), told))
        # The reminders go with their invitations (ON DELETE CASCADE).
        await session.execute(
            delete(MeetingInvitation).where(MeetingInvitation.id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
        withdrawn += len(ids)
        audit.record(
            session,
            principal,
            "meeting.withdrawn",
            "NetworkMeeting",
            meeting.id,
            {
                "member_id": member_id,
                "contact_id": contact_id,
                "withdrawn": len(ids),
                "notified": len(told),
            },
        )
    return withdrawn


async def _invitations_of(
    session: AsyncSession, meeting_id: uuid.UUID, whose: ColumnElement[bool]
) -> Sequence[Row[Any]]:
    """The meeting's invitations of the chosen contacts, locked, with what a notice needs."""
    return (
        await session.execute(
            select(
                invitations.id,
                invitations.contact_id,
                invitations.response,
                Contact.email,
                Contact.first_name,
                Contact.last_name,
                Contact.language,
                Contact.archived_at,
                Contact.email_opt_outs,
            )
            .join(Contact, Contact.id == invitations.contact_id)
            .where(invitations.meeting_id == meeting_id, whose)
            .order_by(Contact.last_name, Contact.first_name, Contact.id)
            .with_for_update(of=MeetingInvitation)
        )
    ).all()


def _to_tell(rows: Sequence[Row[Any]]) -> list[Invitee]:
    """The withdrawn invitees who get a cancellation: live, and taking programme emails."""
    return [
        Invitee.from_row(row)
        for row in rows
        if row.archived_at is None and EMAIL_KIND not in row.email_opt_outs
    ]
