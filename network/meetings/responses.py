"""Answering a meeting's invitation: in the app, or by the token of an email's RSVP link.

Also the .ics of a meeting for a download or a calendar link.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.calendar import CalendarMethod, build_calendar
from network.kit.enums import MeetingStatus, RsvpResponse
from network.kit.errors import DomainError, NotFound
from network.meetings import emails, links
from network.meetings.emails import MeetingFacts
from network.meetings.models import MeetingInvitation, NetworkMeeting, ReminderStatus
from network.meetings.planning import (
    drop_planned,
    plan_reminders,
)
from network.meetings.repository import meeting_condition
from network.meetings.validation import (
    require_upcoming,
)

meetings = NetworkMeeting.__table__.c
invitations = MeetingInvitation.__table__.c
contacts = Contact.__table__.c


async def _record_response(
    session: AsyncSession,
    principal: Principal,
    meeting: NetworkMeeting,
    invitation: MeetingInvitation,
    response: RsvpResponse,
) -> MeetingInvitation:
    now = utcnow()
    require_upcoming(meeting, now)
    before = invitation.response
    if before == response:
        return invitation
    invitation.response = response
    invitation.responded_at = now
    await session.flush()
    if response is RsvpResponse.NO:
        await drop_planned(session, meeting.id, ReminderStatus.SKIPPED, invitation.id)
    elif before is RsvpResponse.NO:
        await plan_reminders(session, meeting, now=now, invitation_id=invitation.id)
    audit.record(
        session,
        principal,
        "meeting.rsvp",
        "NetworkMeeting",
        meeting.id,
        {"contact_id": invitation.contact_id, "from": before, "to": response},
    )
    return invitation


async def rsvp(
    session: AsyncSession,
    principal: Principal,
    *,
    meeting_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    response: RsvpResponse,
) -> MeetingInvitation:
    """Record an invitee's answer (staff, the cohort's partner, or the invitee signed in)."""
    meeting = await _load_meeting_shared(session, principal, meeting_id)
    invitation = (
        await session.scalars(
            select(MeetingInvitation)
            .join(Contact, Contact.id == MeetingInvitation.contact_id)
            .where(
                MeetingInvitation.meeting_id == meeting.id,
                MeetingInvitation.contact_id == contact_id,
                contact_condition(principal),
            )
            .with_for_update(of=MeetingInvitation)
        )
    ).one_or_none()
    if invitation is None:
        raise DomainError.one(
            "contactId", "NOT_INVITED", "This contact is not invited to the meeting."
        )
    return await _record_response(session, principal, meeting, invitation, response)


async def _load_meeting_shared(
    session: AsyncSession, principal: Principal, meeting_id: uuid.UUID | None
) -> NetworkMeeting:
    """The meeting, share-locked so a concurrent reschedule or cancel waits for the answer."""
    if meeting_id is None:
        raise NotFound("meetingId", "meeting")
    statement = (
        select(NetworkMeeting)
        .where(NetworkMeeting.id == meeting_id, meeting_condition(principal, NetworkMeeting.id))
        .with_for_update(read=True)
    )
    meeting = (await session.scalars(statement)).one_or_none()
    if meeting is None:
        raise NotFound("meetingId", "meeting")
    return meeting


@dataclass(frozen=True, slots=True)
class TokenInvitation:
    """What the RSVP page shows: the invitation, its meeting and the invitee's first name."""

    invitation: Any
    meeting: Any
    first_name: str
    language: str


async def invitation_by_token(session: AsyncSession, token: str) -> TokenInvitation | None:
    """The invitation a signed RSVP token names, or None when the token is not genuine."""
    invitation_id = links.invitation_id_from_token(token)
    if invitation_id is None:
        return None
    statement = (
        select(
            *invitations,
            contacts.first_name.label("contact_first_name"),
            contacts.language.label("contact_language"),
        )
        .join(Contact, Contact.id == invitations.contact_id)
        .where(invitations.id == invitation_id)
    )
    row = (await session.execute(statement)).first()
    if row is None:
        return None
    meeting = (await session.execute(select(*meetings).where(meetings.id == row.meeting_id))).one()
    return TokenInvitation(
        invitation=row,
        meeting=meeting,
        first_name=row.contact_first_name,
        language=row.contact_language,
    )


async def respond_by_token(
    session: AsyncSession, token: str, response: RsvpResponse
) -> MeetingInvitation:
    """Record the answer given through the signed link in an email (no login needed)."""
    invitation_id = links.invitation_id_from_token(token)
    if invitation_id is None:
        raise NotFound("token", "invitation")
    meeting_id = (
        await session.scalars(
            select(MeetingInvitation.meeting_id).where(MeetingInvitation.id == invitation_id)
        )
    ).one_or_none()
    if meeting_id is None:
        raise NotFound("token", "invitation")
    # The meeting first, then the invitation: the order a withdrawal locks them in.
    meeting = (
        await session.scalars(
            select(NetworkMeeting).where(NetworkMeeting.id == meeting_id).with_for_update(read=True)
        )
    ).one()
    invitation = (
        await session.scalars(
            select(MeetingInvitation).where(MeetingInvitation.id == invitation_id).with_for_update()
        )
    ).one_or_none()
    if invitation is None:  # withdrawn in the meantime
        raise NotFound("token", "invitation")
    invitee = Principal(PrincipalKind.MEMBER, contact_id=invitation.contact_id)
    return await _record_response(session, invitee, meeting, invitation, response)


def ics_for_download(meeting: Any) -> bytes:
    """The meeting's .ics file for a download link (METHOD:PUBLISH, same UID and SEQUENCE)."""
    event = emails.calendar_event(MeetingFacts.of(meeting))
    if meeting.status == MeetingStatus.CANCELLED:
        event = replace(event, cancelled=True)
    # DTSTAMP is the last change, so the same meeting state always gives the same bytes.
    return build_calendar(event, CalendarMethod.PUBLISH, stamp=meeting.updated_at)


async def meeting_for_ics_link(
    session: AsyncSession, meeting_id: uuid.UUID, signature: str
) -> Row[Any] | None:
    """The meeting a signed .ics link names, or None when the signature is not genuine."""
    if not links.ics_signature_valid(meeting_id, signature):
        return None
    return (await session.execute(select(*meetings).where(meetings.id == meeting_id))).first()
