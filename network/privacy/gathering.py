"""Everything held about one contact, read for their personal-data export.

One query per table (never one per row): the contact, their user accounts and sign-in records
(without any password or token hash), the consent ledger, bookings with their session and
course, certificates with their PDFs, meeting invitations with their meeting, the emails
written to them (those naming the contact, and those to one of their addresses naming no
contact) and the audit entries about any of these. The rows are plain dicts of JSON-ready
values (UUIDs and dates are turned into text later, by the archive), so building the archive
needs no database.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, and_, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Uuid

from network.audit.models import AuditEvent
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.consent import service as consent
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxMessage
from network.privacy.models import PersonalDataExport
from network.training.enums import BookingStatus
from network.training.models import Booking, Course, TrainingSession

# The audit trail's names of the things that are about the person (network/audit).
ABOUT_TYPES = (
    "Contact",
    "User",
    "Booking",
    "Certificate",
    "MeetingInvitation",
    "PersonalDataExport",
)
# What the consent of a purpose is when the ledger has no event for it yet.


@dataclass(slots=True)
class Email:
    """One outbox row about the person, with what the template needs to render it again."""

    row: dict[str, Any]
    template: str
    language: str
    context: dict[str, Any]


@dataclass(slots=True)
class Gathered:
    """Everything about one person, table by table, ready to be written out."""

    contact: dict[str, Any]
    user_accounts: list[dict[str, Any]] = field(default_factory=list)
    api_tokens: list[dict[str, Any]] = field(default_factory=list)
    portal_sign_ins: list[dict[str, Any]] = field(default_factory=list)
    sign_in_links: list[dict[str, Any]] = field(default_factory=list)
    consent_events: list[dict[str, Any]] = field(default_factory=list)
    current_consents: list[dict[str, Any]] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)
    attendance: list[dict[str, Any]] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    certificate_files: dict[str, bytes] = field(default_factory=dict)  # number -> PDF
    meeting_invitations: list[dict[str, Any]] = field(default_factory=list)
    emails: list[Email] = field(default_factory=list)
    audit_entries: list[dict[str, Any]] = field(default_factory=list)
    exports: list[dict[str, Any]] = field(default_factory=list)


def _uuids(name: str, values: Sequence[uuid.UUID]) -> Any:
    return bindparam(name, list(values), type_=ARRAY(Uuid()))


def _dicts(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in rows]


async def _all(session: AsyncSession, statement: Executable) -> list[dict[str, Any]]:
    return _dicts((await session.execute(statement)).all())


async def gather(session: AsyncSession, contact_id: uuid.UUID) -> Gathered | None:
    """Everything held about the contact (as the system: call it from the export job only);
    None when there is no such contact."""
    contact_columns = list(Contact.__table__.c)
    found = (
        await session.execute(
            select(*contact_columns, Member.name.label("member_name"))
            .join(Member, Member.id == Contact.member_id)
            .where(Contact.id == contact_id)
        )
    ).one_or_none()
    if found is None:
        return None
    gathered = Gathered(contact=dict(found._mapping))

    gathered.user_accounts = await _all(
        session,
        select(
            User.id,
            User.email,
            User.name,
            User.role,
            User.partner_id,
            User.is_active,
            User.language,
            User.created_at,
        )
        .where(User.contact_id == contact_id)
        .order_by(User.created_at, User.id),
    )
    user_ids = [u["id"] for u in gathered.user_accounts]
    if user_ids:
        gathered.api_tokens = await _all(
            session,
            select(
                ApiToken.id,
                ApiToken.user_id,
                ApiToken.prefix,
                ApiToken.created_at,
                ApiToken.expires_at,
                ApiToken.last_used_at,
                ApiToken.revoked_at,
            )
            .where(ApiToken.user_id.in_(user_ids))
            .order_by(ApiToken.created_at, ApiToken.id),
        )
        gathered.portal_sign_ins = await _all(
            session,
            select(
                PortalSignIn.id,
                PortalSignIn.user_id,
                PortalSignIn.created_at,
                PortalSignIn.expires_at,
                PortalSignIn.revoked_at,
            )
            .where(PortalSignIn.user_id.in_(user_ids))
            .order_by(PortalSignIn.created_at, PortalSignIn.id),
        )
        gathered.sign_in_links = await _all(
            session,
            select(
                LoginLink.id,
                LoginLink.user_id,
                LoginLink.purpose,
                LoginLink.created_at,
                LoginLink.expires_at,
                LoginLink.used_at,
            )
            .where(LoginLink.user_id.in_(user_ids))
            .order_by(LoginLink.created_at, LoginLink.id),
        )

    gathered.consent_events = await _all(
        session,
        select(
            ConsentEvent.id,
            ConsentEvent.purpose,
            ConsentEvent.given,
            ConsentEvent.wording_version,
            ConsentEvent.channel,
            ConsentEvent.recorded_by_user_id,
            ConsentEvent.recorded_at,
        )
        .where(ConsentEvent.contact_id == contact_id)
        .order_by(ConsentEvent.id),
    )
    now = await consent.consents_of_contacts(session, SYSTEM, [contact_id])
    gathered.current_consents = [dataclasses.asdict(state) for state in now[contact_id]]

    gathered.bookings = await _all(
        session,
        select(
            Booking.id,
            Booking.status,
            Booking.booked_at,
            Booking.booked_by_user_id,
            Booking.promoted_at,
            Booking.cancelled_at,
            Booking.cancellation_reason,
            Booking.attendance_marked_at,
            TrainingSession.id.label("session_id"),
            TrainingSession.starts_at.label("session_starts_at"),
            TrainingSession.ends_at.label("session_ends_at"),
            TrainingSession.time_zone.label("session_time_zone"),
            TrainingSession.language.label("session_language"),
            TrainingSession.venue.label("session_venue"),
            TrainingSession.online_url.label("session_online_url"),
            TrainingSession.trainer.label("session_trainer"),
            TrainingSession.status.label("session_status"),
            Course.id.label("course_id"),
            Course.title.label("course_title"),
            Course.format.label("course_format"),
            Course.cpd_hours.label("course_cpd_hours"),
            Course.cpd_certified.label("course_cpd_certified"),
        )
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(Booking.contact_id == contact_id)
        .order_by(TrainingSession.starts_at, Booking.booked_at, Booking.id),
    )
    marked = (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    gathered.attendance = [
        {
            "booking_id": b["id"],
            "course_title": b["course_title"],
            "session_starts_at": b["session_starts_at"],
            "attended": b["status"] == BookingStatus.ATTENDED,
            "marked_at": b["attendance_marked_at"],
        }
        for b in gathered.bookings
        if b["status"] in marked
    ]

    certificate_columns = [c for c in Certificate.__table__.c if c.key != "verification_code"]
    rows = await _all(
        session,
        select(*certificate_columns)
        .where(Certificate.contact_id == contact_id)
        .order_by(Certificate.issued_at, Certificate.number),
    )
    for row in rows:
        pdf = row.pop("pdf")
        row["file"] = f"certificates/{row['number']}.pdf" if pdf is not None else None
        if pdf is not None:
            gathered.certificate_files[row["number"]] = pdf
        gathered.certificates.append(row)

    gathered.meeting_invitations = await _all(
        session,
        select(
            MeetingInvitation.id,
            MeetingInvitation.response,
            MeetingInvitation.responded_at,
            MeetingInvitation.invited_at,
            NetworkMeeting.id.label("meeting_id"),
            NetworkMeeting.title.label("meeting_title"),
            NetworkMeeting.after_step.label("meeting_after_step"),
            NetworkMeeting.starts_at.label("meeting_starts_at"),
            NetworkMeeting.ends_at.label("meeting_ends_at"),
            NetworkMeeting.time_zone.label("meeting_time_zone"),
            NetworkMeeting.venue.label("meeting_venue"),
            NetworkMeeting.online_url.label("meeting_online_url"),
            NetworkMeeting.status.label("meeting_status"),
        )
        .join(NetworkMeeting, NetworkMeeting.id == MeetingInvitation.meeting_id)
        .where(MeetingInvitation.contact_id == contact_id)
        .order_by(NetworkMeeting.starts_at, MeetingInvitation.id),
    )

    addresses = {gathered.contact["email"], *(u["email"] for u in gathered.user_accounts)}
    emails = await _all(
        session,
        select(
            OutboxMessage.id,
            OutboxMessage.template,
            OutboxMessage.language,
            OutboxMessage.to_email,
            OutboxMessage.kind,
            OutboxMessage.purpose,
            OutboxMessage.status,
            OutboxMessage.attempts,
            OutboxMessage.sent_at,
            OutboxMessage.created_at,
            OutboxMessage.context,
        )
        .where(
            or_(
                OutboxMessage.contact_id == contact_id,
                # A message written to an address without naming a contact (a test notice,
                # a one-off): theirs if it went to one of their addresses. One naming another
                # contact is that contact's, even at the same address (an archived duplicate,
                # the same person at two members).
                and_(
                    OutboxMessage.contact_id.is_(None),
                    OutboxMessage.to_email.in_(sorted(addresses)),
                ),
            )
        )
        .order_by(OutboxMessage.created_at, OutboxMessage.id),
    )
    for row in emails:
        context = row.pop("context") or {}
        gathered.emails.append(Email(row, row["template"], row["language"], context))

    gathered.exports = await _all(
        session,
        select(
            PersonalDataExport.id,
            PersonalDataExport.requested_by_user_id,
            PersonalDataExport.status,
            PersonalDataExport.requested_at,
            PersonalDataExport.ready_at,
            PersonalDataExport.expires_at,
        )
        .where(PersonalDataExport.contact_id == contact_id)
        .order_by(PersonalDataExport.requested_at, PersonalDataExport.id),
    )

    about = [
        contact_id,
        *user_ids,
        *(b["id"] for b in gathered.bookings),
        *(c["id"] for c in gathered.certificates),
        *(i["id"] for i in gathered.meeting_invitations),
        *(e["id"] for e in gathered.exports),
    ]
    meetings = sorted({i["meeting_id"] for i in gathered.meeting_invitations})
    # By (entity type, entity id), so the audit trail's index finds them; an answer to a
    # meeting is recorded on the meeting, naming the contact.
    gathered.audit_entries = await _all(
        session,
        select(
            AuditEvent.id,
            AuditEvent.occurred_at,
            AuditEvent.actor_role,
            AuditEvent.actor_user_id,
            AuditEvent.action,
            AuditEvent.entity_type,
            AuditEvent.entity_id,
            AuditEvent.changes,
        )
        .where(
            or_(
                and_(
                    AuditEvent.entity_type.in_(ABOUT_TYPES),
                    AuditEvent.entity_id == any_(_uuids("about", about)),
                ),
                and_(
                    AuditEvent.entity_type == "NetworkMeeting",
                    AuditEvent.entity_id == any_(_uuids("meetings", meetings)),
                    AuditEvent.changes["contact_id"].astext == str(contact_id),
                ),
            )
        )
        .order_by(AuditEvent.id),
    )
    return gathered
