"""Network meetings: schedule, reschedule, cancel; who may, and what each one owes.

Reads go through network/meetings/repository.py (one scope per entity); who is invited and
when reminders fall due is network/meetings/planning.py; the emails are composed in
network/meetings/emails.py and owed through the outbox in the same transaction. Answering
(also by an email's token) and the .ics downloads are network/meetings/responses.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_manager, require_staff
from network.auth.principal import Principal
from network.auth.scope import cohort_condition, contact_condition
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import MeetingStatus, Network, StarStep
from network.kit.errors import Errors, NotFound
from network.kit.loading import load_visible
from network.kit.sentinel import UNSET
from network.kit.validation import clean_text
from network.meetings import emails
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

# Answering, by token too, and the .ics downloads live in responses.py; re-exported for the faces.
from network.meetings.responses import TokenInvitation as TokenInvitation
from network.meetings.responses import ics_for_download as ics_for_download
from network.meetings.responses import invitation_by_token as invitation_by_token
from network.meetings.responses import meeting_for_ics_link as meeting_for_ics_link
from network.meetings.responses import respond_by_token as respond_by_token
from network.meetings.responses import rsvp as rsvp
from network.meetings.validation import (
    as_utc,
    clean_agenda,
    clean_offsets,
    clean_times,
    clean_url,
    clean_zone,
    require_upcoming,
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
    cohort, network = await _whose_meeting(session, principal, errors, cohort_id, network)
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
    _record_scheduled(session, principal, meeting, invited=len(invitees), planned=planned)
    return meeting


def _record_scheduled(
    session: AsyncSession,
    principal: Principal,
    meeting: NetworkMeeting,
    *,
    invited: int,
    planned: int,
) -> None:
    audit.record(
        session,
        principal,
        "meeting.scheduled",
        "NetworkMeeting",
        meeting.id,
        {
            "cohort_id": meeting.cohort_id,
            "network": meeting.network,
            "after_step": meeting.after_step,
            "title": meeting.title,
            "starts_at": meeting.starts_at,
            "ends_at": meeting.ends_at,
            "time_zone": meeting.time_zone,
            "invited": invited,
            "reminders_planned": planned,
        },
    )


async def _whose_meeting(
    session: AsyncSession,
    principal: Principal,
    errors: Errors,
    cohort_id: uuid.UUID | None,
    network: Network | None,
) -> tuple[Cohort | None, Network | None]:
    """The meeting's cohort (if any) and network; a network-wide meeting is staff's."""
    if cohort_id is not None:
        cohort = await _load_cohort(session, principal, cohort_id)
        if network is not None and network != cohort.network:
            errors.add("network", "WRONG_NETWORK", "The cohort belongs to another network.")
        return cohort, cohort.network
    if network is not None:
        require_staff(principal, "network")
    else:
        errors.add(
            "cohortId", "REQUIRED", "Give a cohort, or a network for a network-wide meeting."
        )
    return None, network


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
    require_upcoming(meeting, now)
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
    if (starts_at is not UNSET or ends_at is not UNSET) and zone is not None:
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
    require_upcoming(meeting, now)
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
