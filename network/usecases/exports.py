"""A cohort's contacts and bookings as flat rows, for the partner's CSV exports.

Above programme, contacts, training and certificates, so it lives with the use cases.

Each export is one query built from the entities' own `readable(principal)` statements, so it
shows exactly what the API would let the principal see, and costs no query per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.contacts import service as contacts
from network.members import service as members
from network.programme.models import CohortMember
from network.programme.service import get_cohorts
from network.training import bookings, catalogue, sessions


async def cohort_contacts(
    session: AsyncSession, principal: Principal, cohort_id: uuid.UUID
) -> Sequence[Any] | None:
    """Every visible contact (archived too) of the visible cohort's members, by member and
    name; None when the cohort is hidden or missing."""
    if cohort_id not in await get_cohorts(session, principal, [cohort_id]):
        return None
    people = contacts.readable(principal).subquery("people")
    orgs = members.readable(principal).subquery("orgs")
    statement = (
        select(people, orgs.c.name.label("member_name"))
        .join(orgs, orgs.c.id == people.c.member_id)
        .join(
            CohortMember,
            and_(CohortMember.member_id == orgs.c.id, CohortMember.cohort_id == cohort_id),
        )
        .order_by(orgs.c.name, orgs.c.id, people.c.last_name, people.c.first_name, people.c.id)
    )
    return (await session.execute(statement)).all()


async def cohort_bookings(
    session: AsyncSession, principal: Principal, cohort_id: uuid.UUID
) -> Sequence[Any] | None:
    """Every visible booking of the visible cohort's members' contacts, with its session,
    course and current certificate; None when the cohort is hidden or missing."""
    if cohort_id not in await get_cohorts(session, principal, [cohort_id]):
        return None
    booked = bookings.readable(principal).subquery("booked")
    held = sessions.readable(principal).subquery("held")
    courses = catalogue.readable(principal).subquery("courses")
    orgs = members.readable(principal).subquery("orgs")
    # A booking's current certificate: its VALID one, else the latest revoked (attendance
    # corrected to NO_SHOW and back may leave a REVOKED one beside a VALID one).
    issued = (
        certificates.readable(principal)
        .where(Certificate.status != CertificateStatus.SUPERSEDED)
        .ext(distinct_on(Certificate.booking_id))
        .order_by(
            Certificate.booking_id,
            (Certificate.status == CertificateStatus.VALID).desc(),
            Certificate.issued_at.desc(),
        )
        .subquery("issued")
    )
    statement = (
        select(
            booked,
            orgs.c.name.label("member_name"),
            courses.c.title.label("course_title"),
            held.c.starts_at.label("session_starts_at"),
            held.c.time_zone.label("session_time_zone"),
            issued.c.number.label("certificate_number"),
        )
        .join(orgs, orgs.c.id == booked.c.contact__member_id)
        .join(
            CohortMember,
            and_(CohortMember.member_id == orgs.c.id, CohortMember.cohort_id == cohort_id),
        )
        .join(held, held.c.id == booked.c.session_id)
        .join(courses, courses.c.id == held.c.course_id)
        .outerjoin(issued, issued.c.booking_id == booked.c.id)
        .order_by(
            orgs.c.name,
            orgs.c.id,
            booked.c.contact__last_name,
            booked.c.contact__first_name,
            booked.c.contact_id,
            held.c.starts_at,
            booked.c.queue_number,
        )
    )
    return (await session.execute(statement)).all()
