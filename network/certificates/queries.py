"""Listing certificates and the CPD hours they add up to, within the principal's scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition, member_condition
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.config import get_settings
from network.contacts.models import Contact
from network.kit.loading import rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text

certificates = Certificate.__table__.c
# Every column but the PDF: lists and lookups never carry the document itself.
LISTED = [c for c in Certificate.__table__.c if c.key != "pdf"]


@dataclass(slots=True)
class CertificateQuery:
    """Filters for listing certificates; None means "any"."""

    contact_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    status: CertificateStatus | None = None
    member_id: uuid.UUID | None = None
    year: int | None = None  # the year the session started
    search: str | None = None  # part of the holder's name or of the number
    # A partner's: the certificates of the contacts that partner sees (its members' and its
    # cohorts' members'), the staff's partner filter.
    partner_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public may learn about a certificate from its verification code."""

    number: str
    holder_name: str | None  # None once the holder is erased: the name is withheld
    course_title: str
    session_date: datetime
    session_date_text: str
    issued_at: datetime
    cpd_hours: Decimal
    status: CertificateStatus
    revoked_at: datetime | None
    revoked_reason: str | None
    superseded_by_number: str | None
    # From the particulars stored at issue; None for a certificate issued before them.
    provider: str | None = None
    accreditation: str | None = None
    accreditation_reference: str | None = None

    @property
    def holder_name_withheld(self) -> bool:
        """Whether the holder was erased, so the name is no longer told."""
        return self.holder_name is None


def _base_url() -> str:
    return get_settings().base_url.rstrip("/")


def download_url(certificate_id: uuid.UUID) -> str:
    """The absolute address of a certificate's PDF, under BASE_URL."""
    return f"{_base_url()}/certificates/{certificate_id}.pdf"


def verify_url(code: str) -> str:
    """The absolute address of a certificate's public verification page, under BASE_URL."""
    return f"{_base_url()}/verify/{code}"


def readable(principal: Principal) -> Select[Any]:
    """The certificates the principal may see: those of the contacts it may see."""
    statement = select(*LISTED)
    if principal.sees_everything:
        return statement
    visible_contacts = select(Contact.id).where(contact_condition(principal))
    return statement.where(certificates.contact_id.in_(visible_contacts))


async def list_certificates(
    session: AsyncSession,
    principal: Principal,
    query: CertificateQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """One page of the certificates the principal may see, by number."""
    statement = _filtered(readable(principal), query)
    return await keyset_page(
        session, statement, [certificates.number, certificates.id], first=first, after=after
    )


def _filtered(statement: Select[Any], query: CertificateQuery) -> Select[Any]:
    if query.contact_id is not None:
        statement = statement.where(certificates.contact_id == query.contact_id)
    if query.session_id is not None:
        statement = statement.where(certificates.session_id == query.session_id)
    if query.status is not None:
        statement = statement.where(certificates.status == query.status)
    if query.member_id is not None:
        of_member = select(Contact.id).where(Contact.member_id == query.member_id)
        statement = statement.where(certificates.contact_id.in_(of_member))
    if query.year is not None:
        year = func.extract("year", certificates.session_starts_at)
        statement = statement.where(year == query.year)
    if query.partner_id is not None:
        partner = Principal(PrincipalKind.PARTNER, partner_id=query.partner_id)
        of_partner = select(Contact.id).where(member_condition(partner, Contact.member_id))
        statement = statement.where(certificates.contact_id.in_(of_partner))
    search = (query.search or "").strip()
    if search:
        statement = statement.where(
            contains_text(certificates.holder_name, search)
            | contains_text(certificates.number, search)
        )
    return statement


async def total_cpd_hours(
    session: AsyncSession, principal: Principal, query: CertificateQuery
) -> Decimal:
    """The CPD hours of the VALID certificates among those `query` lists to the principal."""
    listed = _filtered(readable(principal), query).subquery()
    total = await session.scalar(
        select(func.coalesce(func.sum(listed.c.cpd_hours), 0)).where(
            listed.c.status == CertificateStatus.VALID
        )
    )
    return Decimal(total or 0)


async def get_certificates(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The visible certificates among `ids` (rows without the PDF), by id."""
    if not ids:
        return {}
    return await rows_by_id(session, readable(principal), ids)


async def cpd_hours_by_year(
    session: AsyncSession, principal: Principal, contact_id: uuid.UUID
) -> list[tuple[int, Decimal]]:
    """A visible contact's CPD hours per year of its sessions, from VALID certificates only."""
    year = func.extract("year", certificates.session_starts_at).label("year")
    visible = readable(principal).with_only_columns(certificates.id)
    rows = (
        await session.execute(
            select(year, func.sum(certificates.cpd_hours))
            .where(
                certificates.contact_id == contact_id,
                certificates.status == CertificateStatus.VALID,
                certificates.id.in_(visible),
            )
            .group_by(year)
            .order_by(year)
        )
    ).all()
    return [(int(y), Decimal(total)) for y, total in rows]
