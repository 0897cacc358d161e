"""Which attendees are owed a certificate (one rule for the issuer and the due sweep): attendance
corrected to no-show and back earns a new certificate, a revocation for cause stands, and an
erased attendee never holds up the others."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.db import utcnow
from network.kit.owed import Job, take_owed
from network.messaging.models import OutboxMessage
from network.portal.training import issued_numbers
from network.privacy.erasure import erase_person
from network.training.enums import BookingStatus
from network.training.models import Booking
from network.usecases import attendance
from network.usecases.exports import cohort_bookings
from tests.support.factories import Factory
from tests.support.training import Attended


async def _held(
    session: AsyncSession, booking_id: uuid.UUID
) -> list[tuple[str, CertificateStatus]]:
    """The booking's certificates, oldest number first."""
    rows = await session.execute(
        select(Certificate.number, Certificate.status)
        .where(Certificate.booking_id == booking_id)
        .order_by(Certificate.number)
    )
    return [(number, status) for number, status in rows.all()]


def _later(minutes: int) -> datetime:
    return utcnow().replace(microsecond=0) + timedelta(minutes=minutes)


async def test_no_show_then_attended_again_earns_a_new_certificate(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 1)
    held = await attended.session_with(people)
    (booking,) = attended.bookings
    (first,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=held.id, now=_later(1)
    )
    take_owed(session, Job.ISSUE_CERTIFICATES)

    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[booking.id], attended=False, now=_later(2)
    )
    assert await certificates.issue_due_certificates(session, now=_later(3), limit=10) == []
    marked = await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[booking.id], attended=True, now=_later(4)
    )

    assert (marked[0].status, marked[0].attendance_marked_at) == (
        BookingStatus.ATTENDED,
        _later(4),
    )
    # The session has ended: the issuing job is owed at once; the sweep would issue it too.
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == [booking.id]
    (second,) = await certificates.issue_due_certificates(session, now=_later(5), limit=10)
    assert second.number != first.number
    assert await _held(session, booking.id) == [
        (first.number, CertificateStatus.REVOKED),
        (second.number, CertificateStatus.VALID),
    ]
    # Issued once: neither the sweep nor staff issue a third.
    assert await certificates.issue_due_certificates(session, now=_later(6), limit=10) == []
    assert (
        await certificates.issue_certificates(session, SYSTEM, session_id=held.id, now=_later(6))
        == []
    )
    # The revoked one keeps saying so on its verify page; the new one is valid.
    revoked = await certificates.verify(session, first.verification_code)
    valid = await certificates.verify(session, second.verification_code)
    assert revoked is not None and valid is not None
    assert (revoked.status, revoked.revoked_reason) == (
        CertificateStatus.REVOKED,
        attendance.NO_SHOW_REASON,
    )
    assert valid.status is CertificateStatus.VALID
    emails = await session.execute(
        select(OutboxMessage.template, OutboxMessage.dedup_key).where(
            OutboxMessage.template.like("certificate%")
        )
    )
    assert sorted(tuple(row) for row in emails.all()) == sorted(
        [
            ("certificate_issued", f"certificate:{first.id}"),
            ("certificate_revoked", f"certificate-revoked:{first.id}"),
            ("certificate_issued", f"certificate:{second.id}"),
        ]
    )


async def test_cleared_then_attended_again_earns_a_new_certificate(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 1)
    held = await attended.session_with(people)
    (booking,) = attended.bookings
    (first,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=held.id, now=_later(1)
    )

    await attendance.clear_attendance(session, SYSTEM, booking_ids=[booking.id], now=_later(2))
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[booking.id], attended=True, now=_later(3)
    )
    (second,) = await certificates.issue_for_bookings(session, SYSTEM, [booking.id], now=_later(4))

    assert await _held(session, booking.id) == [
        (first.number, CertificateStatus.REVOKED),
        (second.number, CertificateStatus.VALID),
    ]


async def test_a_certificate_revoked_by_staff_is_not_issued_again(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 2)
    held = await attended.session_with(people)
    cause, other = attended.bookings
    issued = await certificates.issue_certificates(
        session, SYSTEM, session_id=held.id, now=_later(1)
    )
    mine = next(c for c in issued if c.booking_id == cause.id)

    await certificates.revoke_certificate(
        session, SYSTEM, certificate_id=mine.id, reason="Plagiarised assessment", now=_later(2)
    )
    # Marked attended again as it already is: nothing changes, the revocation stands.
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[cause.id, other.id], attended=True, now=_later(3)
    )

    assert await certificates.issue_due_certificates(session, now=_later(4), limit=10) == []
    assert (
        await certificates.issue_certificates(session, SYSTEM, session_id=held.id, now=_later(4))
        == []
    )
    assert await certificates.issue_for_bookings(session, SYSTEM, [cause.id], now=_later(4)) == []
    assert await _held(session, cause.id) == [(mine.number, CertificateStatus.REVOKED)]


async def test_an_erased_attendee_does_not_starve_the_sweep(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 3)
    await attended.session_with(people)
    erased, second, third = attended.bookings
    await erase_person(session, SYSTEM, people[0].id, "asked by phone")
    assert (await session.get(Booking, erased.id)) is not None

    passes = [
        [c.booking_id for c in await certificates.issue_due_certificates(session, now=now, limit=1)]
        for now in (_later(1), _later(2), _later(3))
    ]

    assert passes == [[second.id], [third.id], []]
    assert await _held(session, erased.id) == []


async def test_a_recertified_booking_is_listed_once_with_its_valid_certificate(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    """The cohort's bookings.csv and the session page name the VALID certificate, once, beside
    the revoked one the booking also holds."""
    member = await make.member()
    cohort = await make.cohort(members=[member])
    people = await attended.contacts(member, 1)
    held = await attended.session_with(people)
    (booking,) = attended.bookings
    (first,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=held.id, now=_later(1)
    )
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[booking.id], attended=False, now=_later(2)
    )
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[booking.id], attended=True, now=_later(3)
    )
    (second,) = await certificates.issue_due_certificates(session, now=_later(4), limit=10)

    rows = await cohort_bookings(session, SYSTEM, cohort.id)
    assert rows is not None
    assert [(r.id, r.certificate_number) for r in rows] == [(booking.id, second.number)]
    assert await issued_numbers(session, SYSTEM, held.id) == {booking.id: second.number}
    assert first.number != second.number
