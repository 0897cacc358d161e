"""A person with a rich history, built through the services, for the erasure tests: bookings
(one attended and certified, one cancelled with a reason naming them), a reissued certificate,
a meeting invitation and answer, a progress note and an initiative naming them, a member user
with a sign-in link, and the emails all that owes. Works on any session (the rolled-back test
transaction, or a committed database's)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.login_links import request_login_link
from network.auth.models import User
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.models import Certificate
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.initiatives import service as initiatives
from network.kit.enums import Role, RsvpResponse, StarStep, StepStatus
from network.meetings.models import NetworkMeeting
from network.meetings.responses import rsvp
from network.members.models import Member
from network.partners.models import Partner
from network.programme import service as programme
from network.training import service as training
from network.training.enums import BookingStatus
from network.training.models import Booking, TrainingSession
from tests.support.factories import Factory
from tests.support.meetings import schedule, upcoming
from tests.support.training import Attended

# Distinctive, so a search of the whole database finds nothing else.
FIRST = "Zebedee"
LAST = "Quillfeather"
EMAIL = "zebedee.quillfeather@powys.example"


@dataclass
class Person:
    """The person to erase and what others rely on around them."""

    partner: Partner
    member: Member
    contact: Contact
    colleague: Contact
    user: User
    training: TrainingSession
    certificate: Certificate  # the current one (a reissue)
    superseded: Certificate
    meeting: NetworkMeeting


async def build_person(
    session: AsyncSession, *, first: str = FIRST, last: str = LAST, email: str = EMAIL
) -> Person:
    """The person, their colleague, and their history, as the services make them."""
    make = Factory(session)
    attended = Attended(session, make)
    partner = await make.partner()
    member = await make.member("Powys County Council", partner=partner)
    cohort = await make.cohort(partner=partner, members=[member])
    contact = await make.contact(
        member, email, first_name=first, last_name=last, job_title="Head of co-production"
    )
    await contacts.update_contact(
        session,
        SYSTEM,
        contact.id,
        consent_scope=f"{first} agreed to programme emails at the launch",
        consent_method="web form",
    )
    colleague = await make.contact(member, "colleague@powys.example", first_name="Colleague")
    user = await make.user(Role.MEMBER, contact=contact)
    await request_login_link(session, email)

    row = await attended.session_with([contact, colleague], title="Outcome-Based Commissioning")
    issued = await certificates.issue_certificates(session, SYSTEM, session_id=row.id)
    superseded = next(c for c in issued if c.contact_id == contact.id)
    current = await certificates.reissue_certificate(
        session, SYSTEM, certificate_id=superseded.id, holder_name=f"{first} Q. {last}"
    )

    later = await attended.train.session_of()
    booking = await attended.train.book(later, contact)
    await training.cancel_booking(
        session, SYSTEM, booking_id=booking.id, reason=f"{first} {last} moved to a new post"
    )

    meeting = await schedule(session, cohort, starts_at=upcoming(20))
    await rsvp(
        session, SYSTEM, meeting_id=meeting.id, contact_id=contact.id, response=RsvpResponse.YES
    )
    await programme.record_step_progress(
        session,
        SYSTEM,
        cohort_id=cohort.id,
        member_id=member.id,
        step=StarStep.MAP_IT,
        status=StepStatus.IN_PROGRESS,
        # In text shared with colleagues erasure cuts out full names and addresses only (a
        # lone first or last name there may be anyone's word), so this text names them so.
        notes=f"Workshop led by {first} {last}. {last.upper()}, {first} to follow up ({email}).",
        action_plan=f"Ask {first}  {last} for the dementia network's contacts.",
    )
    await initiatives.create_initiative(
        session,
        SYSTEM,
        member_id=member.id,
        title="Dementia network",
        description=f"Started by {first} {last} with people living with dementia.",
    )
    await session.flush()
    return Person(partner, member, contact, colleague, user, row, current, superseded, meeting)


async def what_others_rely_on(session: AsyncSession, person: Person) -> dict[str, Any]:
    """The member's and the session's figures that erasure must leave true."""
    member_hours = await certificates.total_cpd_hours(
        session, SYSTEM, certificates.CertificateQuery(member_id=person.member.id)
    )
    session_hours = await certificates.total_cpd_hours(
        session, SYSTEM, certificates.CertificateQuery(session_id=person.training.id)
    )
    by_status = (
        await session.execute(
            select(Booking.status, func.count())
            .join(Contact, Contact.id == Booking.contact_id)
            .where(Contact.member_id == person.member.id)
            .group_by(Booking.status)
        )
    ).all()
    contacts_of_member = await session.scalar(
        select(func.count()).select_from(Contact).where(Contact.member_id == person.member.id)
    )
    attended_session = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == person.training.id, Booking.status == BookingStatus.ATTENDED)
    )
    return {
        "member_cpd_hours": member_hours,
        "session_cpd_hours": session_hours,
        "contact_cpd_hours": await certificates.cpd_hours_by_year(
            session, SYSTEM, person.contact.id
        ),
        "bookings_by_status": sorted((str(s), n) for s, n in by_status),
        "contacts_of_member": contacts_of_member,
        "attended_session": attended_session,
        "certificates": await session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.contact_id == person.contact.id)
        ),
    }


def new_id() -> uuid.UUID:
    """An id no row has."""
    return uuid.uuid4()
