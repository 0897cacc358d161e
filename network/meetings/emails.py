"""The emails a meeting owes its invitees, composed from plain data and handed to the outbox.

Templates (emails/<language>/meeting_*.{html,txt}) receive plain values only: the meeting's
time already written out in its own zone and in the invitee's language, and the links.
Welsh emails are bilingual (Welsh first, then English), so a `cy` context also carries the
English wording under `en`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.config import get_settings
from network.kit.calendar import Attendee, CalendarEvent, CalendarMethod, build_calendar
from network.kit.enums import RsvpResponse
from network.meetings import links
from network.meetings.formatting import (
    format_lead_time,
    format_span,
    language_or_default,
    step_name,
)

INVITATION = "meeting_invitation"
UPDATE = "meeting_update"
CANCELLATION = "meeting_cancellation"
REMINDER = "meeting_reminder"
TEMPLATES = (INVITATION, UPDATE, CANCELLATION, REMINDER)
EMAIL_KIND = "programme"  # the opt-out kind that silences meeting emails


@dataclass(frozen=True, slots=True)
class Invitee:
    """Who an email goes to: the invitation and the contact's details."""

    invitation_id: uuid.UUID
    contact_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    language: str
    response: RsvpResponse | None = None

    @classmethod
    def from_row(cls, row: Any, *, invitation_id: uuid.UUID | None = None) -> Invitee:
        """From a row of an invitation joined with its contact (`id` is the invitation's,
        unless `invitation_id` is given; `response` is optional)."""
        response = getattr(row, "response", None)
        return cls(
            invitation_id=invitation_id if invitation_id is not None else row.id,
            contact_id=row.contact_id,
            email=row.email,
            first_name=row.first_name,
            last_name=row.last_name,
            language=row.language,
            response=RsvpResponse(response) if response else None,
        )


@dataclass(frozen=True, slots=True)
class MeetingFacts:
    """The meeting as the emails show it (a snapshot, never an ORM object)."""

    id: uuid.UUID
    title: str
    after_step: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    venue: str | None
    online_url: str | None
    agenda: str | None
    sequence: int
    cancellation_reason: str | None = None

    @classmethod
    def of(cls, row: Any) -> MeetingFacts:
        """From a network_meetings row or entity."""
        return cls(
            id=row.id,
            title=row.title,
            after_step=str(row.after_step),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            time_zone=row.time_zone,
            venue=row.venue,
            online_url=row.online_url,
            agenda=row.agenda,
            sequence=row.sequence,
            cancellation_reason=getattr(row, "cancellation_reason", None),
        )


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with an email."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class OwedEmail:
    """One email the outbox must deliver exactly once (its dedup key makes a copy impossible)."""

    template: str
    to_email: str
    language: str
    context: dict[str, Any]
    dedup_key: str
    contact_id: uuid.UUID
    attachments: tuple[Attachment, ...] = ()
    kind: str = EMAIL_KIND


@lru_cache(maxsize=512)
def _wording(meeting: MeetingFacts, language: str) -> dict[str, str]:
    # The same for every invitee of a meeting in one language: worked out once per batch.
    return format_span(meeting.starts_at, meeting.ends_at, meeting.time_zone, language)


@lru_cache(maxsize=512)
def _meeting_part(meeting: MeetingFacts, language: str) -> tuple[tuple[str, Any], ...]:
    part: dict[str, Any] = {
        "title": meeting.title,
        "step": step_name(meeting.after_step),
        "venue": meeting.venue,
        "online_url": meeting.online_url,
        "agenda": meeting.agenda,
        "ics_url": links.absolute(links.ics_path(meeting.id)),
        **_wording(meeting, language),
    }
    return tuple(part.items())


def _context(meeting: MeetingFacts, invitee: Invitee, language: str) -> dict[str, Any]:
    rsvp = links.absolute(links.rsvp_path(invitee.invitation_id))
    context: dict[str, Any] = {
        "first_name": invitee.first_name,
        "last_name": invitee.last_name,
        "response": invitee.response.value if invitee.response else None,
        "rsvp_url": rsvp,
        "rsvp_yes_url": f"{rsvp}?response={RsvpResponse.YES.value}",
        "rsvp_no_url": f"{rsvp}?response={RsvpResponse.NO.value}",
        "rsvp_maybe_url": f"{rsvp}?response={RsvpResponse.MAYBE.value}",
        **dict(_meeting_part(meeting, language)),
    }
    if language == "cy":
        context["en"] = dict(_wording(meeting, "en"))
    return context


def calendar_event(meeting: MeetingFacts, attendee: Invitee | None = None) -> CalendarEvent:
    """The meeting as an iCalendar event (one attendee for an emailed invite, none otherwise)."""
    organizer_name, organizer_email = parseaddr(get_settings().smtp_sender)
    description = meeting.agenda or ""
    if meeting.online_url:
        description = f"{description}\n\n{meeting.online_url}".strip()
    return CalendarEvent(
        uid=links.calendar_uid(meeting.id),
        sequence=meeting.sequence,
        summary=meeting.title,
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        time_zone=meeting.time_zone,
        description=description or None,
        location=meeting.venue or meeting.online_url,
        url=meeting.online_url,
        organizer_email=organizer_email or None,
        organizer_name=organizer_name or None,
        attendees=(
            (Attendee(attendee.email, f"{attendee.first_name} {attendee.last_name}"),)
            if attendee
            else ()
        ),
    )


def _invite_file(meeting: MeetingFacts, invitee: Invitee, method: CalendarMethod) -> Attachment:
    return Attachment(
        filename="invite.ics",
        content_type=f"text/calendar; method={method.value}; charset=utf-8",
        content=build_calendar(calendar_event(meeting, invitee), method),
    )


def invitation_key(meeting_id: uuid.UUID, contact_id: uuid.UUID) -> str:
    """The dedup key of a contact's first invitation to a meeting."""
    return f"meeting-invitation:{meeting_id}:{contact_id}"


def invitations(
    meeting: MeetingFacts,
    invitees: Sequence[Invitee],
    invited_before: Collection[uuid.UUID] = (),
) -> list[OwedEmail]:
    """An invitation with an .ics invite (METHOD:REQUEST) for each new invitee.

    A contact in `invited_before` (ids of contacts whose invitation was withdrawn and who are
    invited again) gets a key naming the new invitation, so the first one does not silence it.
    """
    return [
        OwedEmail(
            template=INVITATION,
            to_email=i.email,
            language=language_or_default(i.language),
            context=_context(meeting, i, language_or_default(i.language)),
            dedup_key=(
                f"{invitation_key(meeting.id, i.contact_id)}:{i.invitation_id}"
                if i.contact_id in invited_before
                else invitation_key(meeting.id, i.contact_id)
            ),
            contact_id=i.contact_id,
            attachments=(_invite_file(meeting, i, CalendarMethod.REQUEST),),
        )
        for i in invitees
    ]


def updates(
    meeting: MeetingFacts, invitees: Sequence[Invitee], changed: Sequence[str]
) -> list[OwedEmail]:
    """An update (same UID, higher SEQUENCE) for each invitee after a reschedule."""
    emails = []
    for i in invitees:
        language = language_or_default(i.language)
        context = _context(meeting, i, language)
        context["changed"] = list(changed)
        context["time_changed"] = bool({"starts_at", "ends_at", "time_zone"} & set(changed))
        emails.append(
            OwedEmail(
                template=UPDATE,
                to_email=i.email,
                language=language,
                context=context,
                dedup_key=f"meeting-update:{meeting.id}:{i.contact_id}:{meeting.sequence}",
                contact_id=i.contact_id,
                attachments=(_invite_file(meeting, i, CalendarMethod.REQUEST),),
            )
        )
    return emails


def _cancellation(meeting: MeetingFacts, i: Invitee, dedup_key: str, **extra: Any) -> OwedEmail:
    """The cancellation email with its .ics (METHOD:CANCEL, same UID) for one invitee."""
    language = language_or_default(i.language)
    context = {**_context(meeting, i, language), **extra}
    return OwedEmail(
        template=CANCELLATION,
        to_email=i.email,
        language=language,
        context=context,
        dedup_key=dedup_key,
        contact_id=i.contact_id,
        attachments=(_invite_file(meeting, i, CalendarMethod.CANCEL),),
    )


def cancellations(meeting: MeetingFacts, invitees: Sequence[Invitee]) -> list[OwedEmail]:
    """A cancellation with an .ics (METHOD:CANCEL, same UID, higher SEQUENCE) for each invitee."""
    return [
        _cancellation(
            meeting,
            i,
            f"meeting-cancellation:{meeting.id}:{i.contact_id}",
            reason=meeting.cancellation_reason,
        )
        for i in invitees
    ]


def withdrawals(meeting: MeetingFacts, invitees: Sequence[Invitee]) -> list[OwedEmail]:
    """A cancellation (METHOD:CANCEL, same UID) for each invitee taken off a meeting that goes on.

    Keyed by the invitation, not the meeting: it never collides with the meeting-wide
    cancellation, a retry finds it taken, and a later invitation's withdrawal is a new email.
    """
    return [
        _cancellation(
            meeting,
            i,
            f"meeting-withdrawal:{meeting.id}:{i.invitation_id}",
            reason=None,
            withdrawn=True,
        )
        for i in invitees
    ]


def reminder_key(
    meeting_id: uuid.UUID, contact_id: uuid.UUID, offset_minutes: int, starts_at: datetime
) -> str:
    """The dedup key of a reminder: one per invitee, offset and start time of the meeting."""
    return (
        f"meeting-reminder:{meeting_id}:{contact_id}:{offset_minutes}:{int(starts_at.timestamp())}"
    )


def reminder(meeting: MeetingFacts, invitee: Invitee, offset_minutes: int) -> OwedEmail:
    """A reminder that the meeting starts in `offset_minutes` (no attachment)."""
    language = language_or_default(invitee.language)
    context = _context(meeting, invitee, language)
    context["lead_time"] = format_lead_time(offset_minutes, language)
    if language == "cy":
        context["en"]["lead_time"] = format_lead_time(offset_minutes, "en")
    return OwedEmail(
        template=REMINDER,
        to_email=invitee.email,
        language=language,
        context=context,
        dedup_key=reminder_key(meeting.id, invitee.contact_id, offset_minutes, meeting.starts_at),
        contact_id=invitee.contact_id,
    )


async def queue_emails(session: AsyncSession, owed: Sequence[OwedEmail]) -> None:
    """Write the emails into the outbox, in the caller's transaction (delivered after commit).

    One multi-row INSERT for the whole list (plus one for any attachments), however long.
    """
    from network.messaging import service as messaging

    await messaging.queue_emails(
        session,
        [
            messaging.QueuedEmail(
                template=email.template,
                to_email=email.to_email,
                language=email.language,
                context=email.context,
                dedup_key=email.dedup_key,
                contact_id=email.contact_id,
                kind=email.kind,
                attachments=email.attachments,
            )
            for email in owed
        ],
    )
