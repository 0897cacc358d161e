"""Issuing, listing, revoking, reissuing and verifying CPD certificates.

Numbers come from a per-year counter row locked FOR UPDATE in the issuing transaction, so
they are unique and without gaps (a rolled-back issue gives its numbers back). The counter is
locked before looking for bookings that still need a certificate, so two issuers never both
see the same booking as pending; the partial unique index on `booking_id` is the backstop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import secrets
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal, PrincipalKind
from network.auth.scope import contact_condition
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate, CertificateCounter
from network.certificates.pdf import CertificateSnapshot, render_pdf
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Network
from network.kit.errors import DomainError, Errors
from network.kit.loading import load_visible, rows_by_id
from network.kit.pagination import Page, keyset_page
from network.kit.search import contains_text
from network.kit.validation import clean_text
from network.members.models import Member
from network.messaging.mime import Attachment
from network.messaging.service import queue_email
from network.training.enums import BookingStatus
from network.training.models import Booking, Course, TrainingSession
from network.training.times import format_date, local

certificates = Certificate.__table__.c
NETWORK_NAMES = {
    Network.CITIZEN_POWERED_COUNCIL: "CitizenPoweredCouncil network",
    Network.CITIZEN_POWERED_CITY: "CitizenPoweredCity network",
}
EMAIL_TEMPLATE = "certificate_issued"
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


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public may learn about a certificate from its verification code."""

    number: str
    holder_name: str
    course_title: str
    session_date: datetime
    session_date_text: str
    issued_at: datetime
    cpd_hours: Decimal
    status: CertificateStatus
    revoked_at: datetime | None
    revoked_reason: str | None
    superseded_by_number: str | None


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


async def _next_numbers(session: AsyncSession, year: int, count: int) -> list[str]:
    """Take `count` consecutive numbers of `year`, holding the year's counter row locked."""
    await session.execute(
        insert(CertificateCounter)
        .values(year=year, last_number=0)
        .on_conflict_do_nothing(index_elements=["year"])
    )
    counter = (
        await session.scalars(
            select(CertificateCounter)
            .where(CertificateCounter.year == year)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).one()
    first = counter.last_number + 1
    counter.last_number += count
    return [f"CPD-{year}-{n:06d}" for n in range(first, first + count)]


async def _lock_counter(session: AsyncSession, year: int) -> None:
    await _next_numbers(session, year, 0)


def _date_text(training: TrainingSession, language: str) -> str:
    starts = local(training.starts_at, training.time_zone)
    text = format_date(starts, language)
    if language == "cy":
        english = format_date(starts, "en")
        return f"{text} / {english}" if english != text else text
    return text


@dataclass(slots=True)
class _Pending:
    booking: Booking
    contact: Contact
    network_name: str


async def _pending(
    session: AsyncSession, training: TrainingSession, booking_ids: Sequence[uuid.UUID] | None
) -> list[_Pending]:
    """ATTENDED bookings of the session that hold no current certificate, in booking order."""
    has_certificate = select(certificates.booking_id).where(
        certificates.status != CertificateStatus.SUPERSEDED
    )
    statement = (
        select(Booking, Contact, Member.network)
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Member, Member.id == Contact.member_id)
        .where(
            Booking.session_id == training.id,
            Booking.status == BookingStatus.ATTENDED,
            Booking.id.not_in(has_certificate),
        )
        .order_by(Booking.queue_number)
    )
    if booking_ids is not None:
        statement = statement.where(Booking.id.in_(booking_ids))
    rows = (await session.execute(statement)).all()
    return [_Pending(b, c, NETWORK_NAMES.get(n, "CitizenPowered network")) for b, c, n in rows]


def _render_all(snapshots: list[CertificateSnapshot]) -> list[bytes]:
    return [render_pdf(s) for s in snapshots]


async def _issue(
    session: AsyncSession,
    principal: Principal,
    training: TrainingSession,
    booking_ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> list[Certificate]:
    course = await session.get(Course, training.course_id)
    if course is None or not course.cpd_certified:
        return []
    await _lock_counter(session, now.year)
    pending = await _pending(session, training, booking_ids)
    if not pending:
        return []
    numbers = await _next_numbers(session, now.year, len(pending))
    made: list[Certificate] = []
    snapshots: list[CertificateSnapshot] = []
    for item, number in zip(pending, numbers, strict=True):
        contact = item.contact
        language = contact.language
        code = secrets.token_urlsafe(16)
        certificate = Certificate(
            id=uuid.uuid4(),
            number=number,
            verification_code=code,
            booking_id=item.booking.id,
            session_id=training.id,
            contact_id=contact.id,
            holder_name=f"{contact.first_name} {contact.last_name}",
            course_title=course.title,
            session_starts_at=training.starts_at,
            session_ends_at=training.ends_at,
            session_date_text=_date_text(training, language),
            cpd_hours=course.cpd_hours,
            language=language,
            issued_at=now,
            status=CertificateStatus.VALID,
        )
        made.append(certificate)
        snapshots.append(_snapshot(certificate, item.network_name))
    # One trip off the event loop for the whole batch: reportlab is CPU-bound.
    documents = await asyncio.to_thread(_render_all, snapshots)
    for certificate, document in zip(made, documents, strict=True):
        certificate.pdf = document
        certificate.sha256 = hashlib.sha256(document).hexdigest()
    session.add_all(made)
    await session.flush()
    for certificate, item in zip(made, pending, strict=True):
        audit.record(
            session,
            principal,
            "certificate.issued",
            "Certificate",
            certificate.id,
            {"number": certificate.number, "booking_id": certificate.booking_id},
        )
        await _owe_email(session, certificate, item.contact)
    return made


def _snapshot(certificate: Certificate, network_name: str) -> CertificateSnapshot:
    return CertificateSnapshot(
        network_name=network_name,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        date_text=certificate.session_date_text,
        cpd_hours=str(certificate.cpd_hours),
        number=certificate.number,
        language=certificate.language,
        verify_url=verify_url(certificate.verification_code),
    )


async def _owe_email(session: AsyncSession, certificate: Certificate, contact: Contact) -> None:
    # A Welsh certificate's date reads "Welsh / English"; each half of the email takes its own.
    welsh, _, english = certificate.session_date_text.partition(" / ")
    await queue_email(
        session,
        template=EMAIL_TEMPLATE,
        to_email=contact.email,
        language=certificate.language,
        context={
            "first_name": contact.first_name,
            "holder_name": certificate.holder_name,
            "course_title": certificate.course_title,
            "date": welsh,
            "en": {"date": english or welsh},
            "cpd_hours": str(certificate.cpd_hours),
            "number": certificate.number,
            "verify_url": verify_url(certificate.verification_code),
            "download_url": download_url(certificate.id),
        },
        dedup_key=f"certificate:{certificate.id}",
        contact_id=contact.id,
        attachments=[Attachment(f"{certificate.number}.pdf", "application/pdf", certificate.pdf)],
    )


async def issue_certificates(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None,
    now: datetime | None = None,
) -> list[Certificate]:
    """Issue a certificate to every attendee of the session who has none yet (staff)."""
    require_staff(principal, "sessionId")
    training = await load_visible(
        session,
        TrainingSession,
        session_id,
        TrainingSession.id.is_not(None),
        field="sessionId",
        what="training session",
        for_update=False,
    )
    course = await session.get(Course, training.course_id)
    if course is None or not course.cpd_certified:
        raise DomainError.one(
            "sessionId", "NOT_CPD_CERTIFIED", "This session's course gives no CPD certificate."
        )
    return await _issue(session, principal, training, None, now or utcnow())


async def issue_for_bookings(
    session: AsyncSession,
    principal: Principal,
    booking_ids: Sequence[uuid.UUID],
    *,
    now: datetime | None = None,
) -> list[Certificate]:
    """Issue the certificates these bookings are owed (ATTENDED, CPD-certified); idempotent."""
    if not booking_ids:
        return []
    session_ids = (
        await session.scalars(
            select(Booking.session_id).where(Booking.id.in_(booking_ids)).distinct()
        )
    ).all()
    made: list[Certificate] = []
    for session_id in sorted(session_ids):
        training = await session.get(TrainingSession, session_id)
        if training is not None:
            made += await _issue(session, principal, training, booking_ids, now or utcnow())
    return made


async def _load_for_change(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID | None
) -> Certificate:
    require_staff(principal, "certificateId")
    return await load_visible(
        session,
        Certificate,
        certificate_id,
        Certificate.id.is_not(None),
        field="certificateId",
        what="certificate",
    )


async def revoke_certificate(
    session: AsyncSession,
    principal: Principal,
    *,
    certificate_id: uuid.UUID | None,
    reason: str | None,
    now: datetime | None = None,
) -> Certificate:
    """Revoke a valid certificate with a reason (staff); it then verifies as REVOKED."""
    certificate = await _load_for_change(session, principal, certificate_id)
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, max_length=1000)
    if certificate.status is not CertificateStatus.VALID:
        errors.add("certificateId", "NOT_VALID", "Only a valid certificate can be revoked.")
    errors.raise_if_any()
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = clean_reason
    await session.flush()
    audit.record(
        session,
        principal,
        "certificate.revoked",
        "Certificate",
        certificate.id,
        {"number": certificate.number, "reason": clean_reason},
    )
    return certificate


async def reissue_certificate(
    session: AsyncSession,
    principal: Principal,
    *,
    certificate_id: uuid.UUID | None,
    holder_name: str | None = None,
    now: datetime | None = None,
) -> Certificate:
    """Replace a valid certificate by a new one with a new number (staff), e.g. a corrected name.

    The old one becomes SUPERSEDED and names the new one; the new one points back to it.
    """
    old = await _load_for_change(session, principal, certificate_id)
    now = now or utcnow()
    errors = Errors()
    name = old.holder_name
    if holder_name is not None:
        name = clean_text(errors, "holderName", holder_name, max_length=300) or name
    if old.status is not CertificateStatus.VALID:
        errors.add("certificateId", "NOT_VALID", "Only a valid certificate can be reissued.")
    errors.raise_if_any()
    row = (
        await session.execute(
            select(Contact, Member.network)
            .join(Member, Member.id == Contact.member_id)
            .where(Contact.id == old.contact_id)
        )
    ).one()
    contact, network = row
    await _lock_counter(session, now.year)
    (number,) = await _next_numbers(session, now.year, 1)
    old.status = CertificateStatus.SUPERSEDED
    await session.flush()  # frees the booking for the new certificate (partial unique index)
    new = Certificate(
        id=uuid.uuid4(),
        number=number,
        verification_code=secrets.token_urlsafe(16),
        booking_id=old.booking_id,
        session_id=old.session_id,
        contact_id=old.contact_id,
        holder_name=name,
        course_title=old.course_title,
        session_starts_at=old.session_starts_at,
        session_ends_at=old.session_ends_at,
        session_date_text=old.session_date_text,
        cpd_hours=old.cpd_hours,
        language=old.language,
        issued_at=now,
        status=CertificateStatus.VALID,
        replaces_id=old.id,
    )
    snapshot = _snapshot(new, NETWORK_NAMES.get(network, "CitizenPowered network"))
    new.pdf = await asyncio.to_thread(render_pdf, snapshot)
    new.sha256 = hashlib.sha256(new.pdf).hexdigest()
    session.add(new)
    await session.flush()
    old.replaced_by_id = new.id
    await session.flush()
    audit.record(
        session,
        principal,
        "certificate.reissued",
        "Certificate",
        old.id,
        {"number": old.number, "new_number": new.number, "holder_name": name},
    )
    await _owe_email(session, new, contact)
    return new


async def verify(session: AsyncSession, code: str) -> Verification | None:
    """What a verification code certifies, for anyone; None when no certificate has it."""
    if not code or len(code) > 64 or "\x00" in code:
        return None
    replacement = Certificate.__table__.alias("replacement")
    row = (
        await session.execute(
            select(*LISTED, replacement.c.number.label("superseded_by_number"))
            .outerjoin(replacement, replacement.c.id == certificates.replaced_by_id)
            .where(certificates.verification_code == code)
        )
    ).one_or_none()
    if row is None:
        return None
    return Verification(
        number=row.number,
        holder_name=row.holder_name,
        course_title=row.course_title,
        session_date=row.session_starts_at,
        session_date_text=row.session_date_text,
        issued_at=row.issued_at,
        cpd_hours=row.cpd_hours,
        status=row.status,
        revoked_at=row.revoked_at,
        revoked_reason=row.revoked_reason,
        superseded_by_number=row.superseded_by_number,
    )


async def certificate_pdf(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID
) -> tuple[str, bytes] | None:
    """The number and stored PDF of a certificate the principal may download; None otherwise."""
    if not principal.is_authenticated:
        return None
    visible = readable(principal).with_only_columns(certificates.id)
    row = (
        await session.execute(
            select(Certificate.number, Certificate.pdf).where(
                Certificate.id == certificate_id, Certificate.id.in_(visible)
            )
        )
    ).one_or_none()
    return (row.number, row.pdf) if row else None


async def session_zip(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> bytes | None:
    """A ZIP of the session's visible current certificates, for staff and partners; else None."""
    if not (principal.sees_everything or principal.kind is PrincipalKind.PARTNER):
        return None
    visible = readable(principal).with_only_columns(certificates.id)
    rows = (
        await session.execute(
            select(Certificate.number, Certificate.pdf)
            .where(
                Certificate.session_id == session_id,
                Certificate.status != CertificateStatus.SUPERSEDED,
                Certificate.id.in_(visible),
            )
            .order_by(Certificate.number)
        )
    ).all()
    if not rows:
        return None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number, document in rows:
            archive.writestr(f"{number}.pdf", document)
    return buffer.getvalue()
