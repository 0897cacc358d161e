"""What we hold about one contact, in short: for the page that shows a person their data."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal
from network.auth.scope import contact_condition
from network.certificates.models import Certificate
from network.consent import service as consent
from network.consent.service import ConsentState
from network.contacts.models import Contact
from network.meetings.models import MeetingInvitation
from network.members.models import Member
from network.training.models import Booking


@dataclass(frozen=True, slots=True)
class Holding:
    """The contact's details, their current consent per purpose, and how many bookings,
    certificates and meeting invitations we keep."""

    contact: Any
    member_name: str
    consents: list[ConsentState]
    bookings: int
    certificates: int
    invitations: int


async def what_we_hold(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> Holding | None:
    """The summary for a contact the principal may see; None when hidden or missing."""

    def count(model: Any) -> Any:
        return (
            select(func.count())
            .select_from(model)
            .where(model.contact_id == contact_id)
            .scalar_subquery()
        )

    row = (
        await session.execute(
            select(
                Contact,
                Member.name.label("member_name"),
                count(Booking).label("bookings"),
                count(Certificate).label("certificates"),
                count(MeetingInvitation).label("invitations"),
            )
            .join(Member, Member.id == Contact.member_id)
            .where(Contact.id == contact_id, contact_condition(principal))
        )
    ).one_or_none()
    if row is None:
        return None
    return Holding(
        contact=row.Contact,
        member_name=row.member_name,
        consents=await consent.current_consent(session, principal, contact_id),
        bookings=row.bookings,
        certificates=row.certificates,
        invitations=row.invitations,
    )
