"""Network meetings: schedule, reschedule, cancel, answer; who may, and what each one owes.

Reads go through network/meetings/repository.py (one scope per entity); who is invited and
when reminders fall due is network/meetings/planning.py; the emails are composed in
network/meetings/emails.py and owed through the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_manager, require_staff
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import cohort_condition, contact_condition
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.calendar import CalendarMethod, build_calendar
from network.kit.enums import MeetingStatus, Network, RsvpResponse, StarStep
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.loading import load_visible
from network.kit.sentinel import UNSET
from network.kit.validation import clean_text
from network.meetings import emails, links
from network.meetings.emails import EMAIL_KIND, MeetingFacts, queue_emails
from network.meetings.models import MeetingInvitation, NetworkMeeting, ReminderStatus
from network.meetings.planning import (
    current_invitees,
    drop_planned,
    invitable_contacts,
    invite,
    of_meeting_audience,
    plan_reminders,
)
from network.meetings.repository import meeting_condition
from network.meetings.validation import (
    as_utc,
    clean_agenda,
    clean_offsets,
    clean_times,
    clean_url,
    clean_zone,
)
from network.programme.models import Cohort

meetings = NetworkMeeting.__table__.c
invitations = MeetingInvitation.__table__.c
contacts = Contact.__table__.c


async def _load_cohort(session: AsyncSession, principal: Principal, cohort_id: uuid.UUID) -> Cohort:
    # programme.service calls into this module, so it is not imported back here.
    statement = select(Cohort).where(Cohort.id == cohort_id, cohort_condition(principal, Cohort.id))
    cohort = (await session.scalars(statement.with_for_update())).one_or_none()
    if cohort is None:
        raise NotFound("cohortId", "cohort")
    return cohort


async def load_meeting(
    session: AsyncSession, principal: Principal, meeting_id: uuid.UUID | None, field: str
) -> NetworkMeeting:
    """The meeting as an entity, locked for changing it; hidden and missing look the same."""
    visible = meeting_condition(principal, NetworkMeeting.id)
    return await load_visible(
        session, NetworkMeeting, meeting_id, visible, field=field, what="meeting"
    )


def require_meeting_manager(principal: Principal, meeting: NetworkMeeting, field: str) -> None:
    """May the caller change this meeting (staff, or the partner whose cohort meets)?"""
    require_manager(principal, field)
    if meeting.cohort_id is None:
        require_staff(principal, field)


# ---------------------------------------------------------------------------------------------
# Operations


async def schedule_meeting(
    session: AsyncSession,
    principal: Principal,
    *,
    cohort_id: uuid.UUID | None = None,
    network: Network | None = None,
    after_step: StarStep | None,
    title: str | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    time_zone: str | None,
    venue: str | None = None,
    online_url: str | None = None,
    agenda: str | None = None,
    reminder_offsets_minutes: Sequence[int] | None = None,
    contact_ids: Sequence[uuid.UUID] | None = None,
) -> NetworkMeeting:
    """Schedule a cohort's (or a whole network's) meeting and invite its people.

    Invitees are the active contacts of the cohort's members (or of the network's members that
    have not lapsed) who take programme emails, or, when `contact_ids` is given, exactly those
    contacts (a partner narrowing the list). Each gets an invitation with an .ics invite; the
    reminders that fall due in the future are planned.
    """
    require_manager(principal, "cohortId")
    now = utcnow()
    errors = Errors()
    cohort: Cohort | None = None
    if cohort_id is not None:
        cohort = await _load_cohort(session, principal, cohort_id)
        if network is not None and network != cohort.network:
            errors.add("network", "WRONG_NETWORK", "The cohort belongs to another network.")
        network = cohort.network
    elif network is not None:
        require_staff(principal, "network")
    else:
        errors.add(
            "cohortId", "REQUIRED", "Give a cohort, or a network for a network-wide meeting."
        )
    if after_step is None:
        errors.add("afterStep", "REQUIRED", "Name the star step the meeting follows.")
    clean_title = clean_text(errors, "title", title)
    zone = clean_zone(errors, "timeZone", time_zone)
    start = as_utc(errors, "startsAt", starts_at, zone)
    end = as_utc(errors, "endsAt", ends_at, zone)
    if zone is not None or (starts_at and starts_at.tzinfo):
        clean_times(errors, start, end, now)
    clean_venue = clean_text(errors, "venue", venue, required=False, max_length=500)
    url = clean_url(errors, "onlineUrl", online_url)
    checked_agenda = clean_agenda(errors, agenda)
    offsets = clean_offsets(errors, reminder_offsets_minutes)
    errors.raise_if_any()
    assert network is not None and after_step is not None and clean_title is not None
    assert start is not None and end is not None and zone is not None
    meeting = NetworkMeeting(
        cohort_id=cohort.id if cohort else None,
        network=network,
        after_step=after_step,
        title=clean_title,
        starts_at=start,
        ends_at=end,
        time_zone=zone,
        venue=clean_venue,
        online_url=url,
        agenda=checked_agenda,
        reminder_offsets_minutes=offsets,
        status=MeetingStatus.SCHEDULED,
        sequence=0,
        created_by_user_id=principal.user_id,
    )
    session.add(meeting)
    await session.flush()
    audience = of_meeting_audience(invitable_contacts(principal), meeting)
    if contact_ids is not None:
        await _check_chosen_contacts(session, principal, meeting, contact_ids)
        audience = audience.where(Contact.id.in_(list(contact_ids)))
    invitees = await invite(session, meeting, audience)
    planned = await plan_reminders(session, meeting, now=now)
    await queue_emails(session, emails.invitations(MeetingFacts.of(meeting), invitees))
    audit.record(
        session,
        principal,
        "meeting.scheduled",
        "NetworkMeeting",
        meeting.id,
        {
            "cohort_id": meeting.cohort_id,
            "network": network,
            "after_step": after_step,
            "title": clean_title,
            "starts_at": start,
            "ends_at": end,
            "time_zone": zone,
            "invited": len(invitees),
            "reminders_planned": planned,
        },
    )
    return meeting


async def _check_chosen_contacts(
    session: AsyncSession,
    principal: Principal,
    meeting: NetworkMeeting,
    contact_ids: Sequence[uuid.UUID],
) -> None:
    """Every chosen contact must be visible, in the audience, active and take programme mail."""
    wanted = set(contact_ids)
    statement = select(
        Contact.id, Contact.archived_at, Contact.email_opt_outs, Contact.member_id
    ).where(Contact.id.in_(wanted), contact_condition(principal))
    found = {row.id: row for row in (await session.execute(statement)).all()}
    in_audience = set(
        (
            await session.scalars(
                of_meeting_audience(select(Contact.id), meeting).where(Contact.id.in_(wanted))
            )
        ).all()
    )
    errors = Errors()
    for contact_id in contact_ids:
        row = found.get(contact_id)
        if row is None:
            errors.add("contactIds", "NOT_FOUND", f"No contact with id {contact_id}.")
        elif contact_id not in in_audience:
            errors.add(
                "contactIds", "NOT_IN_AUDIENCE", "A chosen contact is not at a member invited."
            )
        elif row.archived_at is not None:
            errors.add("contactIds", "ARCHIVED", "A chosen contact is archived.")
        elif EMAIL_KIND in row.email_opt_outs:
            errors.add(
                "contactIds", "OPTED_OUT", "A chosen contact has opted out of programme emails."
            )
    errors.raise_if_any()


async def reschedule_meeting(
    session: AsyncSession,
    principal: Principal,
    meeting_id: uuid.UUID | None,
    *,
    title: Any = UNSET,
    starts_at: Any = UNSET,
    ends_at: Any = UNSET,
    time_zone: Any = UNSET,
    venue: Any = UNSET,
    online_url: Any = UNSET,
    agenda: Any = UNSET,
    reminder_offsets_minutes: Any = UNSET,
) -> NetworkMeeting:
    """Change a meeting's time, place or details; invitees get an update (higher SEQUENCE).

    When the start or the reminder offsets change, the reminders not yet sent are planned
    again at the new times; those already sent are not sent again. Fields left UNSET are kept.
    """
    meeting = await load_meeting(session, principal, meeting_id, "meetingId")
    require_meeting_manager(principal, meeting, "meetingId")
    now = utcnow()
    _require_upcoming(meeting, now)
    errors = Errors()
    zone = meeting.time_zone if time_zone is UNSET else clean_zone(errors, "timeZone", time_zone)
    # A new zone alone does not move the meeting; a new start alone keeps its length.
    start: datetime | None = meeting.starts_at
    end: datetime | None = meeting.ends_at
    if starts_at is not UNSET:
        start = as_utc(errors, "startsAt", starts_at, zone)
    if ends_at is not UNSET:
        end = as_utc(errors, "endsAt", ends_at, zone)
    elif start is not None:
        end = start + (meeting.ends_at - meeting.starts_at)
    if starts_at is not UNSET or ends_at is not UNSET:
        clean_times(errors, start, end, now)
    changes: dict[str, Any] = {}
    if title is not UNSET:
        changes["title"] = clean_text(errors, "title", title)
    if venue is not UNSET:
        changes["venue"] = clean_text(errors, "venue", venue, required=False, max_length=500)
    if online_url is not UNSET:
        changes["online_url"] = clean_url(errors, "onlineUrl", online_url)
    if agenda is not UNSET:
        changes["agenda"] = clean_agenda(errors, agenda)
    if reminder_offsets_minutes is not UNSET:
        changes["reminder_offsets_minutes"] = clean_offsets(errors, reminder_offsets_minutes)
    errors.raise_if_any()
    changes.update(starts_at=start, ends_at=end, time_zone=zone)
    changed = audit.apply_changes(meeting, changes)
    if not changed:
        return meeting
    visible_change = [k for k in changed if k != "reminder_offsets_minutes"]
    if visible_change:
        meeting.sequence += 1
    await session.flush()
    if "starts_at" in changed or "reminder_offsets_minutes" in changed:
        await drop_planned(session, meeting.id, ReminderStatus.SUPERSEDED)
        await plan_reminders(session, meeting, now=now)
    if visible_change:
        invitees = await current_invitees(session, meeting.id)
        await queue_emails(
            session, emails.updates(MeetingFacts.of(meeting), invitees, sorted(visible_change))
        )
    audit.record(session, principal, "meeting.rescheduled", "NetworkMeeting", meeting.id, changed)
    return meeting


def _require_upcoming(meeting: NetworkMeeting, now: datetime) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise DomainError.one("meetingId", "CANCELLED", "This meeting was cancelled.")
    if meeting.starts_at <= now:
        raise DomainError.one("meetingId", "STARTED", "This meeting has already started.")


async def cancel_meeting(
    session: AsyncSession,
    principal: Principal,
    meeting_id: uuid.UUID | None,
    *,
    reason: str | None = None,
) -> NetworkMeeting:
    """Call a meeting off: invitees get a cancellation (METHOD:CANCEL); no reminder follows."""
    meeting = await load_meeting(session, principal, meeting_id, "meetingId")
    require_meeting_manager(principal, meeting, "meetingId")
    now = utcnow()
    _require_upcoming(meeting, now)
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, required=False, max_length=2000)
    errors.raise_if_any()
    meeting.status = MeetingStatus.CANCELLED
    meeting.cancelled_at = now
    meeting.cancellation_reason = clean_reason
    meeting.sequence += 1
    await session.flush()
    await drop_planned(session, meeting.id, ReminderStatus.SKIPPED)
    invitees = await current_invitees(session, meeting.id)
    await queue_emails(session, emails.cancellations(MeetingFacts.of(meeting), invitees))
    audit.record(
        session,
        principal,
        "meeting.cancelled",
        "NetworkMeeting",
        meeting.id,
        {"reason": clean_reason, "notified": len(invitees)},
    )
    return meeting


async def _record_response(
    session: AsyncSession,
    principal: Principal,
    meeting: NetworkMeeting,
    invitation: MeetingInvitation,
    response: RsvpResponse,
) -> MeetingInvitation:
    now = utcnow()
    _require_upcoming(meeting, now)
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
