"""Issuing certificates for attended bookings, numbered from a per-year counter.

Numbers come from a per-year counter row locked FOR UPDATE in the issuing transaction, so
they are unique and without gaps (a rolled-back issue gives its numbers back). The sessions
are locked first (as attendance, reissue and revocation lock them), then the counter, then
the bookings owed a certificate, so two issuers never both see the same booking as pending
and none waits on another in a circle; the partial unique index on `booking_id` (one VALID
certificate per booking) is the backstop.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_staff
from network.auth.principal import Principal
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate, CertificateCounter
from network.certificates.pdf import (
    CertificateSnapshot,
    Particulars,
    format_hours,
    render_pdf,
)
from network.certificates.queries import download_url, verify_url
from network.config import get_settings
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Network
from network.kit.errors import DomainError
from network.members.models import Member
from network.messaging.mime import Attachment
from network.messaging.service import queue_email
from network.training import evaluations
from network.training.enums import BookingStatus
from network.training.models import Booking, Course, TrainingEvaluation, TrainingSession
from network.training.sessions import lock_session, lock_sessions
from network.training.times import format_date, local

NETWORK_NAMES = {
    Network.CITIZEN_POWERED_COUNCIL: "CitizenPoweredCouncil network",
    Network.CITIZEN_POWERED_CITY: "CitizenPoweredCity network",
}
EMAIL_TEMPLATE = "certificate_issued"


async def next_numbers(session: AsyncSession, year: int, count: int) -> list[str]:
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


async def lock_counter(session: AsyncSession, year: int) -> None:
    """Lock the year's counter row (creating it), so pending bookings are seen by one issuer."""
    await next_numbers(session, year, 0)


def _date_text(training: TrainingSession, language: str) -> str:
    starts = local(training.starts_at, training.time_zone)
    text = format_date(starts, language)
    if language == "cy":
        english = format_date(starts, "en")
        return f"{text} / {english}" if english != text else text
    return text


def owes_certificate(now: datetime | None = None) -> ColumnElement[bool]:
    """Whether a booking (joined with its Contact) is owed a certificate: the one rule of the
    issuer and the due sweep.

    ATTENDED, its holder not erased, holding no VALID certificate, and no certificate revoked
    at or after its attendance was (last) marked: a revocation for cause is never undone by
    issuing again, but attendance recorded anew after a correction (NO_SHOW, then ATTENDED
    again) earns a new certificate with a new number, the revoked one staying REVOKED. A
    course whose certificates wait for the evaluation (`certificate_waits_for_evaluation`)
    also needs the booking's evaluation submitted (network.training.evaluations), unless the
    invitation has expired unanswered (sent more than VALID_DAYS before `now`, the database's
    clock when not given): the wait then ends, so no certificate waits forever.
    """
    held = exists().where(
        Certificate.booking_id == Booking.id,
        or_(
            Certificate.status == CertificateStatus.VALID,
            and_(
                Certificate.status == CertificateStatus.REVOKED,
                or_(
                    Booking.attendance_marked_at.is_(None),
                    Certificate.revoked_at >= Booking.attendance_marked_at,
                ),
            ),
        ),
    )
    # Aliases, so the condition reads the same whether or not the caller joined these.
    waits_course = Course.__table__.alias("waits_course")
    waits_session = TrainingSession.__table__.alias("waits_session")
    awaiting = exists().where(
        waits_session.c.id == Booking.session_id,
        waits_course.c.id == waits_session.c.course_id,
        waits_course.c.certificate_waits_for_evaluation.is_(True),
        ~exists().where(
            TrainingEvaluation.booking_id == Booking.id,
            or_(
                TrainingEvaluation.submitted_at.is_not(None),
                TrainingEvaluation.invited_at
                < (func.now() if now is None else now) - timedelta(days=evaluations.VALID_DAYS),
            ),
        ),
    )
    return and_(
        Booking.status == BookingStatus.ATTENDED,
        Contact.erased_at.is_(None),  # an erased person is certified no more
        ~held,
        ~awaiting,
    )


@dataclass(slots=True)
class _Pending:
    booking: Booking
    contact: Contact
    network_name: str
    organisation: str  # the holder's member, named on the certificate


async def _pending(
    session: AsyncSession,
    session_ids: Sequence[uuid.UUID],
    booking_ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> list[_Pending]:
    """The bookings of these (locked) sessions owed a certificate, locked in id order."""
    statement = (
        select(Booking, Contact, Member.network, Member.name)
        .join(Contact, Contact.id == Booking.contact_id)
        .join(Member, Member.id == Contact.member_id)
        .where(Booking.session_id.in_(session_ids), owes_certificate(now))
        .order_by(Booking.id)
    )
    if booking_ids is not None:
        statement = statement.where(Booking.id.in_(booking_ids))
    # The bookings stay locked until the certificates are written: attendance corrected at the
    # same moment waits (it locks the session first, as this issuer has), then revokes what
    # was issued, instead of leaving a valid certificate on a no-show.
    statement = statement.with_for_update(of=Booking, key_share=True).execution_options(
        populate_existing=True
    )
    rows = (await session.execute(statement)).all()
    return [
        _Pending(b, c, NETWORK_NAMES.get(n, "CitizenPowered network"), name)
        for b, c, n, name in rows
    ]


def _render_all(snapshots: list[CertificateSnapshot]) -> list[bytes]:
    return [render_pdf(s) for s in snapshots]


async def _issue(
    session: AsyncSession,
    principal: Principal,
    trainings: Sequence[TrainingSession],
    booking_ids: Sequence[uuid.UUID] | None,
    now: datetime,
) -> list[Certificate]:
    """Issue what these sessions' attendees are owed (the caller locked the sessions).

    The locks are taken in the order every transaction takes them (network.training.sessions
    .lock_session): the sessions, then the year's counter, then the bookings, then the
    certificates are inserted.
    """
    courses: dict[uuid.UUID, Course] = {}
    for training in trainings:
        if now < training.ends_at:  # certificates are issued once the session has ended
            continue
        course = await session.get(Course, training.course_id)
        if course is not None and course.cpd_certified:
            courses[training.id] = course
    if not courses:
        return []
    await lock_counter(session, now.year)
    by_id = {t.id: t for t in trainings}
    place = {t.id: n for n, t in enumerate(trainings)}
    pending = sorted(
        await _pending(session, list(courses), booking_ids, now),
        key=lambda p: (place[p.booking.session_id], p.booking.queue_number),
    )
    if not pending:
        return []
    numbers = await next_numbers(session, now.year, len(pending))
    made: list[Certificate] = []
    snapshots: list[CertificateSnapshot] = []
    for item, number in zip(pending, numbers, strict=True):
        training = by_id[item.booking.session_id]
        course = courses[training.id]
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
            particulars=particulars_of(course, training, item.organisation, language).to_json(),
        )
        made.append(certificate)
        snapshots.append(snapshot_of(certificate, item.network_name))
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
        await owe_email(session, certificate, item.contact)
    return made


def printed_outcomes(
    outcomes: dict[str, list[str]] | None, language: str
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The learning outcome lists a certificate in `language` prints, in order.

    Welsh certificates are bilingual (the Welsh list, then the English one); other languages
    print their own list, or the English one when the course has none in that language.
    """
    outcomes = outcomes or {}
    own = [language] if outcomes.get(language) else ["en"]
    order = ["cy", "en"] if language == "cy" else own
    return tuple((lang, tuple(outcomes[lang])) for lang in order if outcomes.get(lang))


def particulars_of(
    course: Course, training: TrainingSession, organisation: str | None, language: str
) -> Particulars:
    """What a certificate of this session certifies besides the holder and the hours, as of now:
    stored with the certificate, so a reissue or a re-rendering prints the same record."""
    settings = get_settings()
    return Particulars(
        provider=settings.certificate_provider,
        accreditation=course.accreditation,
        accreditation_reference=course.accreditation_reference if course.accreditation else None,
        trainer=training.trainer,
        format=course.format.value,
        learning_outcomes=printed_outcomes(course.learning_outcomes, language),
        organisation=organisation,
        signatory_name=settings.certificate_signatory_name or None,
        signatory_role=settings.certificate_signatory_role or None,
        signature_image=settings.certificate_signature_image or None,
    )


def snapshot_of(certificate: Certificate, network_name: str) -> CertificateSnapshot:
    """What the PDF of a certificate shows (never made for an erased holder: no name).

    Everything comes from the certificate's own columns and particulars, never from the course
    or contact as they are now; a certificate issued before particulars existed has none.
    """
    if certificate.holder_name is None:
        raise ValueError("a certificate of an erased holder cannot be rendered")
    return CertificateSnapshot(
        network_name=network_name,
        holder_name=certificate.holder_name,
        course_title=certificate.course_title,
        date_text=certificate.session_date_text,
        cpd_hours=format_hours(certificate.cpd_hours, certificate.language),
        number=certificate.number,
        language=certificate.language,
        verify_url=verify_url(certificate.verification_code),
        issued_at=certificate.issued_at,
        particulars=Particulars.from_json(certificate.particulars),
    )


async def owe_email(session: AsyncSession, certificate: Certificate, contact: Contact) -> None:
    """Queue the email that sends a new certificate to its holder."""
    if certificate.pdf is None:
        raise ValueError("a certificate without its PDF (an erased holder's) is not sent")
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
    """Issue a certificate to every attendee of the session who has none yet (staff), once
    the session has ended."""
    require_staff(principal, "sessionId")
    training = await lock_session(session, principal, session_id, "sessionId")
    course = await session.get(Course, training.course_id)
    if course is None or not course.cpd_certified:
        raise DomainError.one(
            "sessionId", "NOT_CPD_CERTIFIED", "This session's course gives no CPD certificate."
        )
    now = now or utcnow()
    if now < training.ends_at:
        raise DomainError.one(
            "sessionId",
            "SESSION_NOT_ENDED",
            "Certificates are issued once the session has ended.",
        )
    return await _issue(session, principal, [training], None, now)


async def issue_for_bookings(
    session: AsyncSession,
    principal: Principal,
    booking_ids: Sequence[uuid.UUID],
    *,
    now: datetime | None = None,
) -> list[Certificate]:
    """Issue the certificates these bookings are owed (ATTENDED, CPD-certified, the session
    ended; the others are skipped); idempotent."""
    if not booking_ids:
        return []
    session_ids = (
        await session.scalars(
            select(Booking.session_id).where(Booking.id.in_(booking_ids)).distinct()
        )
    ).all()
    # Every session first, in id order, then the counter: never a session after the counter.
    trainings = await lock_sessions(session, session_ids)
    return await _issue(session, principal, trainings, booking_ids, now or utcnow())
