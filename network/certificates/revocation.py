"""Revoking a certificate, and reissuing one under a new number (the old one is revoked)."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import SYSTEM, Principal
from network.certificates.enums import CertificateStatus
from network.certificates.issuing import (
    NETWORK_NAMES,
    lock_counter,
    next_numbers,
    owe_email,
    snapshot_of,
)
from network.certificates.models import Certificate
from network.certificates.pdf import render_pdf
from network.certificates.queries import verify_url
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.errors import Errors
from network.kit.loading import load_visible
from network.kit.validation import clean_text
from network.members.models import Member
from network.messaging.service import queue_email
from network.training.enums import BookingStatus
from network.training.models import Booking
from network.training.sessions import lock_bookings, lock_session

REVOKED_TEMPLATE = "certificate_revoked"


async def _load_for_change(
    session: AsyncSession, principal: Principal, certificate_id: uuid.UUID | None
) -> tuple[Certificate, Booking]:
    """The certificate and its booking, locked in the order every transaction takes them (its
    session, its booking, then itself) and read again under the locks (staff).

    Attendance corrected at the same moment locks the session first too, so one of the two
    waits for the other to commit and then sees what it did (a reissued certificate's
    successor, a revocation), instead of the two waiting on each other.
    """
    require_staff(principal, "certificateId")
    found = await load_visible(
        session,
        Certificate,
        certificate_id,
        Certificate.id.is_not(None),
        field="certificateId",
        what="certificate",
        for_update=False,
    )
    await lock_session(session, SYSTEM, found.session_id, "certificateId")
    booking = (await lock_bookings(session, [found.booking_id]))[found.booking_id]
    certificate = (
        await session.scalars(
            select(Certificate)
            .where(Certificate.id == found.id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).one()
    return certificate, booking


async def revoke_certificate(
    session: AsyncSession,
    principal: Principal,
    *,
    certificate_id: uuid.UUID | None,
    reason: str | None,
    now: datetime | None = None,
) -> Certificate:
    """Revoke a valid certificate with a reason (staff); it then verifies as REVOKED and its
    holder is told by email."""
    certificate, _ = await _load_for_change(session, principal, certificate_id)
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, max_length=1000)
    if certificate.status is not CertificateStatus.VALID:
        errors.add("certificateId", "NOT_VALID", "Only a valid certificate can be revoked.")
    errors.raise_if_any()
    assert clean_reason is not None
    await revoke(session, principal, certificate, clean_reason, now or utcnow())
    return certificate


async def revoke_for_bookings(
    session: AsyncSession,
    principal: Principal,
    booking_ids: Sequence[uuid.UUID],
    *,
    reason: str,
    now: datetime,
) -> list[Certificate]:
    """Revoke the valid certificates of these bookings (their attendance was withdrawn).

    Call with the bookings' sessions and the bookings locked (network.training.bookings does):
    the certificates are then locked in id order and read anew, so a certificate reissued
    just before (committed while this transaction waited for the session) is the one revoked.
    One already revoked or superseded is left as it is. `reason` is already clean (the caller
    validated it).
    """
    if not booking_ids:
        return []
    statement = (
        select(Certificate)
        .where(
            Certificate.booking_id.in_(booking_ids),
            Certificate.status == CertificateStatus.VALID,
        )
        .order_by(Certificate.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    found = list((await session.scalars(statement)).all())
    for certificate in found:
        await revoke(session, principal, certificate, reason, now)
    return found


async def revoke(
    session: AsyncSession,
    principal: Principal,
    certificate: Certificate,
    reason: str,
    now: datetime,
) -> None:
    """Mark a valid (locked) certificate REVOKED, audit it, and owe its holder the email.

    The one path of every revocation: by staff, or by a corrected attendance.
    """
    certificate.status = CertificateStatus.REVOKED
    certificate.revoked_at = now
    certificate.revoked_reason = reason
    await session.flush()
    audit.record(
        session,
        principal,
        "certificate.revoked",
        "Certificate",
        certificate.id,
        {"number": certificate.number, "reason": reason},
    )
    contact = await session.get(Contact, certificate.contact_id)
    if contact is None:  # pragma: no cover - a certificate's contact is never deleted
        return
    # A Welsh certificate's date reads "Welsh / English"; each half of the email takes its own.
    welsh, _, english = certificate.session_date_text.partition(" / ")
    await queue_email(
        session,
        template=REVOKED_TEMPLATE,
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
            "reason": reason,
            "verify_url": verify_url(certificate.verification_code),
        },
        dedup_key=f"certificate-revoked:{certificate.id}",
        contact_id=contact.id,
    )


async def reissue_certificate(
    session: AsyncSession,
    principal: Principal,
    *,
    certificate_id: uuid.UUID | None,
    holder_name: str | None = None,
    now: datetime | None = None,
) -> Certificate:
    """Replace a valid certificate by a new one with a new number (staff), e.g. a corrected name.

    The old one becomes SUPERSEDED and names the new one; the new one points back to it. A
    certificate whose booking is no longer ATTENDED (corrected to no-show, or cleared) is not
    reissued (NOT_ATTENDED).
    """
    old, booking = await _load_for_change(session, principal, certificate_id)
    now = now or utcnow()
    errors = Errors()
    name = old.holder_name
    if holder_name is not None:
        name = clean_text(errors, "holderName", holder_name, max_length=300) or name
    if booking.status is not BookingStatus.ATTENDED:  # read under the booking's lock
        errors.add(
            "certificateId",
            "NOT_ATTENDED",
            "Its holder's attendance is no longer recorded: it cannot be reissued.",
        )
    elif old.status is not CertificateStatus.VALID:
        errors.add("certificateId", "NOT_VALID", "Only a valid certificate can be reissued.")
    elif old.holder_name is None:
        errors.add(
            "certificateId", "HOLDER_ERASED", "Its holder was erased: it cannot be reissued."
        )
    errors.raise_if_any()
    row = (
        await session.execute(
            select(Contact, Member.network)
            .join(Member, Member.id == Contact.member_id)
            .where(Contact.id == old.contact_id)
        )
    ).one()
    contact, network = row
    await lock_counter(session, now.year)
    (number,) = await next_numbers(session, now.year, 1)
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
        particulars=old.particulars,  # the same record: provider, outcomes, organisation...
    )
    snapshot = snapshot_of(new, NETWORK_NAMES.get(network, "CitizenPowered network"))
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
    await owe_email(session, new, contact)
    return new
