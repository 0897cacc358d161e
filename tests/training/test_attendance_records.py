"""Attendance that stays true: corrections revoke certificates, walk-ins, clearing, confirming
from the waiting list, booking several at once, cancelling a session with notice."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.db import utcnow
from network.kit.errors import DomainError
from network.kit.owed import Job, take_owed
from network.messaging.models import OutboxMessage
from network.training import service as training
from network.training.enums import BookingStatus, TrainingSessionStatus
from network.training.models import Booking, TrainingSession
from network.usecases import attendance
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.training import Attended, TrainingFactory


def _codes(error: pytest.ExceptionInfo[DomainError]) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in error.value.errors]


async def _outbox(session: AsyncSession, template: str) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id)
    )
    return list(found.all())


async def _actions(session: AsyncSession, entity_id: uuid.UUID) -> list[str]:
    await session.flush()
    found = await session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity_id == entity_id).order_by(AuditEvent.id)
    )
    return list(found.all())


async def _start(session: AsyncSession, row: TrainingSession, *, ended: bool) -> None:
    """Move a session booked in the future so it has started (and maybe ended), as the clock
    would."""
    now = utcnow().replace(microsecond=0)
    row.starts_at = now - timedelta(hours=5 if ended else 1)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()


# -- 1. ATTENDED corrected to NO_SHOW revokes the certificate -----------------------------------


async def test_no_show_correction_revokes_the_certificate_and_tells_the_holder(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    member = await make.member()
    people = await attended.contacts(member, 2, language="cy")
    held = await attended.session_with(people)
    issued = await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
    wrong, right = attended.bookings
    mine = next(c for c in issued if c.booking_id == wrong.id)

    marked = await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[wrong.id], attended=False, reason="Signed in for a colleague"
    )

    assert [(b.id, b.status) for b in marked] == [(wrong.id, BookingStatus.NO_SHOW)]
    statuses = dict(
        (await session.execute(select(Certificate.booking_id, Certificate.status))).all()
    )
    assert statuses == {wrong.id: CertificateStatus.REVOKED, right.id: CertificateStatus.VALID}
    verified = await certificates.verify(session, mine.verification_code)
    assert verified is not None
    assert verified.status is CertificateStatus.REVOKED
    assert verified.revoked_reason == "Signed in for a colleague"
    assert await _actions(session, mine.id) == ["certificate.issued", "certificate.revoked"]
    (email,) = await _outbox(session, "certificate_revoked")
    assert email.to_email == people[0].email
    assert email.language == "cy"
    assert email.dedup_key == f"certificate-revoked:{mine.id}"
    assert email.context["reason"] == "Signed in for a colleague"
    assert email.context["number"] == mine.number


async def test_no_show_without_a_reason_gets_the_default_and_twice_is_once(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 1)
    held = await attended.session_with(people)
    (issued,) = await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
    ids = [attended.bookings[0].id]

    await attendance.mark_attendance(session, SYSTEM, booking_ids=ids, attended=False)
    await attendance.mark_attendance(session, SYSTEM, booking_ids=ids, attended=False)

    await session.refresh(issued)
    assert issued.status is CertificateStatus.REVOKED
    assert issued.revoked_reason == attendance.NO_SHOW_REASON
    assert len(await _outbox(session, "certificate_revoked")) == 1


async def test_a_bad_reason_changes_nothing(
    session: AsyncSession, make: Factory, attended: Attended
) -> None:
    people = await attended.contacts(await make.member(), 1)
    held = await attended.session_with(people)
    await certificates.issue_certificates(session, SYSTEM, session_id=held.id)
    before = await snapshot(session)
    with pytest.raises(DomainError) as refused:
        await attendance.mark_attendance(
            session,
            SYSTEM,
            booking_ids=[attended.bookings[0].id],
            attended=False,
            reason="x" * 1001,
        )
    assert _codes(refused) == [("reason", "TOO_LONG")]
    assert await snapshot(session) == before


# -- 2. clearing attendance ---------------------------------------------------------------------


async def test_clearing_attendance_returns_seats_and_cancels_walk_ins(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    seated_person = await make.contact(member)
    waiting_person = await make.contact(member)
    seated = await train.book(row, seated_person)
    waiting = await train.book(row, waiting_person)
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=5)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[seated.id, waiting.id], attended=True
    )
    issued = await certificates.issue_certificates(session, SYSTEM, session_id=row.id)
    assert len(issued) == 2

    cleared = await attendance.clear_attendance(
        session, SYSTEM, booking_ids=[seated.id, waiting.id], reason="Register mix-up"
    )

    assert [(b.status, b.walk_in, b.attendance_marked_at) for b in cleared] == [
        (BookingStatus.CONFIRMED, False, None),
        (BookingStatus.CANCELLED, True, None),
    ]
    assert cleared[1].cancellation_reason == "Register mix-up"
    found = (await session.scalars(select(Certificate).order_by(Certificate.number))).all()
    assert [(c.status, c.revoked_reason) for c in found] == [
        (CertificateStatus.REVOKED, "Register mix-up"),
        (CertificateStatus.REVOKED, "Register mix-up"),
    ]
    assert len(await _outbox(session, "certificate_revoked")) == 2
    assert "booking.attendance_cleared" in await _actions(session, seated.id)
    with pytest.raises(DomainError) as again:
        await attendance.clear_attendance(session, SYSTEM, booking_ids=[seated.id])
    assert _codes(again) == [("bookingIds", "NOT_RECORDED")]


async def test_clearing_a_no_show_revokes_nothing(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=2)
    booking = await train.book(row, await make.contact(await make.member()))
    await _start(session, row, ended=False)
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[booking.id], attended=False)
    (cleared,) = await attendance.clear_attendance(session, SYSTEM, booking_ids=[booking.id])
    assert cleared.status is BookingStatus.CONFIRMED
    assert await _outbox(session, "certificate_revoked") == []


# -- 3. walk-ins --------------------------------------------------------------------------------


async def test_a_waitlisted_person_who_turns_up_is_a_walk_in_over_capacity(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    seated = await train.book(row, await make.contact(member))
    waiting = await train.book(row, await make.contact(member))
    assert waiting.status is BookingStatus.WAITLISTED
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()

    marked = await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[seated.id, waiting.id], attended=True
    )

    assert [(b.status, b.walk_in) for b in marked] == [
        (BookingStatus.ATTENDED, False),
        (BookingStatus.ATTENDED, True),
    ]
    counts = (await training.seat_counts(session, [row.id]))[row.id]
    assert (counts.taken, row.capacity) == (2, 1)
    # Marked during the session: no certificate is owed yet (the sweep issues it at the end).
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == []


async def test_a_waitlisted_booking_cannot_be_a_no_show(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    await train.book(row, await make.contact(member))
    waiting = await train.book(row, await make.contact(member))
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    await session.flush()
    with pytest.raises(DomainError) as refused:
        await attendance.mark_attendance(session, SYSTEM, booking_ids=[waiting.id], attended=False)
    assert _codes(refused) == [("bookingIds", "NOT_CONFIRMED")]


async def test_a_walk_in_is_never_a_no_show_its_mark_is_cleared_instead(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    seated = await train.book(row, await make.contact(member))
    waiting = await train.book(row, await make.contact(member))
    stranger = await make.contact(member)
    await _start(session, row, ended=False)
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[seated.id, waiting.id], attended=True
    )
    walked = await training.record_walk_in(
        session, SYSTEM, session_id=row.id, contact_id=stranger.id
    )
    before = await snapshot(session)

    for ids in ([waiting.id], [walked.id], [seated.id, walked.id]):
        with pytest.raises(DomainError) as refused:
            await attendance.mark_attendance(session, SYSTEM, booking_ids=ids, attended=False)
        assert [(e.field, e.code, e.message) for e in refused.value.errors] == [
            (
                "bookingIds",
                "WALK_IN",
                "A walk-in who did not attend: clear the mark instead.",
            )
        ]
        assert await snapshot(session) == before

    cleared = await attendance.clear_attendance(
        session, SYSTEM, booking_ids=[waiting.id, walked.id]
    )
    assert [(b.status, b.walk_in) for b in cleared] == [
        (BookingStatus.CANCELLED, True),
        (BookingStatus.CANCELLED, True),
    ]
    # Someone who held a seat may still be corrected to a no-show.
    (no_show,) = await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[seated.id], attended=False
    )
    assert no_show.status is BookingStatus.NO_SHOW


async def test_record_walk_in_of_someone_not_booked(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    await train.book(row, await make.contact(member))
    stranger = await make.contact(member)
    with pytest.raises(DomainError) as early:
        await training.record_walk_in(session, SYSTEM, session_id=row.id, contact_id=stranger.id)
    assert _codes(early) == [("sessionId", "SESSION_NOT_STARTED")]
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=5)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()

    walked = await training.record_walk_in(
        session, SYSTEM, session_id=row.id, contact_id=stranger.id
    )

    assert (walked.status, walked.walk_in, walked.contact_id) == (
        BookingStatus.ATTENDED,
        True,
        stranger.id,
    )
    assert await _actions(session, walked.id) == ["booking.walk_in"]
    # The session has ended: the certificate is owed at once.
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == [walked.id]
    (certificate,) = await certificates.issue_for_bookings(session, SYSTEM, [walked.id])
    assert certificate.contact_id == stranger.id
    with pytest.raises(DomainError) as twice:
        await training.record_walk_in(session, SYSTEM, session_id=row.id, contact_id=stranger.id)
    assert _codes(twice) == [("contactId", "ALREADY_ATTENDED")]


async def test_record_walk_in_turns_a_live_booking_attended(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    seated = await train.book(row, await make.contact(member))
    waiting_person = await make.contact(member)
    waiting = await train.book(row, waiting_person)
    cancelled_person = await make.contact(member)
    cancelled = await train.book(row, cancelled_person)
    await training.cancel_booking(session, SYSTEM, booking_id=cancelled.id)
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()

    from_list = await training.record_walk_in(
        session, SYSTEM, session_id=row.id, contact_id=waiting_person.id
    )
    again = await training.record_walk_in(
        session, SYSTEM, session_id=row.id, contact_id=cancelled_person.id
    )

    assert (from_list.id, from_list.status, from_list.walk_in) == (
        waiting.id,
        BookingStatus.ATTENDED,
        True,
    )
    assert again.id != cancelled.id and again.walk_in is True
    counts = (await training.seat_counts(session, [row.id]))[row.id]
    assert counts.taken == 3  # the seat holder plus two walk-ins, on a capacity of 1
    assert seated.status is BookingStatus.CONFIRMED
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == []  # not ended yet


async def test_record_walk_in_refusals(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    other = await make.member()
    reserved_for = await make.member()
    row = await train.session_of(capacity=2, reserved_member_id=reserved_for.id)
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    await session.flush()
    outsider = await make.contact(other)
    before = await snapshot(session)
    with pytest.raises(DomainError) as refused:
        await training.record_walk_in(session, SYSTEM, session_id=row.id, contact_id=outsider.id)
    assert _codes(refused) == [("contactId", "NOT_ELIGIBLE")]
    with pytest.raises(DomainError) as unknown:
        await training.record_walk_in(session, SYSTEM, session_id=row.id, contact_id=uuid.uuid4())
    assert _codes(unknown) == [("contactId", "NOT_FOUND")]
    assert await snapshot(session) == before


# -- 4. certificates once the session has ended -------------------------------------------------


async def test_attendance_marked_during_the_session_is_certified_by_the_sweep_after_the_end(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=3)
    member = await make.member()
    booking = await train.book(row, await make.contact(member))
    start = utcnow().replace(microsecond=0) - timedelta(hours=1)
    row.starts_at, row.ends_at = start, start + timedelta(hours=3)
    await session.flush()

    await attendance.mark_attendance(session, SYSTEM, booking_ids=[booking.id], attended=True)

    assert take_owed(session, Job.ISSUE_CERTIFICATES) == []
    assert await certificates.issue_for_bookings(session, SYSTEM, [booking.id]) == []
    with pytest.raises(DomainError) as early:
        await certificates.issue_certificates(session, SYSTEM, session_id=row.id)
    assert _codes(early) == [("sessionId", "SESSION_NOT_ENDED")]
    during = start + timedelta(hours=2)
    assert await certificates.issue_due_certificates(session, now=during, limit=100) == []

    after = start + timedelta(hours=3, minutes=1)
    (made,) = await certificates.issue_due_certificates(session, now=after, limit=100)
    assert (made.booking_id, made.status) == (booking.id, CertificateStatus.VALID)
    # Idempotent: the next pass finds nothing left to issue.
    assert await certificates.issue_due_certificates(session, now=after, limit=100) == []


async def test_attendance_marked_after_the_end_owes_the_certificate_at_once(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=3)
    booking = await train.book(row, await make.contact(await make.member()))
    await _start(session, row, ended=True)
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[booking.id], attended=True)
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == [booking.id]


async def test_the_sweep_skips_what_it_should(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    now = utcnow().replace(microsecond=0)
    member = await make.member()
    uncertified = await train.course("Briefing", cpd_certified=False)

    async def attended_at(ended_at: datetime, **kw: object) -> Booking:
        row = await train.session_of(kw.get("course"), capacity=2)  # type: ignore[arg-type]
        booking = await train.book(row, await make.contact(member))
        row.starts_at, row.ends_at = ended_at - timedelta(hours=3), ended_at
        booking.status = BookingStatus.ATTENDED
        if kw.get("cancelled"):
            row.status = TrainingSessionStatus.CANCELLED
        await session.flush()
        return booking

    due = await attended_at(now - timedelta(days=1))
    await attended_at(now - timedelta(days=31))  # beyond the window: left to staff
    await attended_at(now - timedelta(days=1), course=uncertified)
    await attended_at(now - timedelta(days=1), cancelled=True)
    await attended_at(now + timedelta(hours=1))  # not ended

    made = await certificates.issue_due_certificates(session, now=now, limit=100)

    assert [c.booking_id for c in made] == [due.id]


# -- 5. hasSeats ----------------------------------------------------------------------------------


async def test_has_seats_lists_only_sessions_that_can_still_be_booked(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    now = utcnow().replace(microsecond=0)
    course = await train.course("Outcome-Based Commissioning")
    member = await make.member()
    bookable = await train.session_of(course, capacity=2)
    full = await train.session_of(course, capacity=1)
    await train.book(full, await make.contact(member))
    closed = await train.session_of(course, capacity=2, booking_deadline=now + timedelta(days=1))
    started = await train.session_of(course, capacity=2)
    cancelled = await train.session_of(course, capacity=2)
    await training.cancel_training_session(
        session, SYSTEM, session_id=cancelled.id, reason="Trainer unwell"
    )
    later = now + timedelta(days=2)
    started.starts_at = later - timedelta(hours=1)
    started.ends_at = later + timedelta(hours=2)
    await session.flush()

    async def listed(has_seats: bool) -> set[uuid.UUID]:
        page = await training.list_sessions(
            session,
            SYSTEM,
            training.SessionQuery(course_id=course.id, has_seats=has_seats, now=later),
            first=50,
            after=None,
        )
        return {row.id for row in page.rows}

    assert await listed(True) == {bookable.id}
    assert await listed(False) == {full.id, closed.id, started.id, cancelled.id}


# -- 6. confirm from the waiting list -------------------------------------------------------------


async def test_confirm_now_takes_a_free_seat_or_needs_over_capacity(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    await train.book(row, await make.contact(member))
    first = await train.book(row, await make.contact(member))
    second = await train.book(row, await make.contact(member))
    before = await snapshot(session)
    with pytest.raises(DomainError) as full:
        await training.confirm_booking(session, SYSTEM, booking_id=second.id)
    assert _codes(full) == [("bookingId", "NO_SEAT_FREE")]
    assert await snapshot(session) == before

    confirmed = await training.confirm_booking(
        session, SYSTEM, booking_id=second.id, over_capacity=True
    )

    assert confirmed.status is BookingStatus.CONFIRMED
    assert confirmed.promoted_at is not None
    (promoted,) = await _outbox(session, "training_booking_promoted")
    assert promoted.dedup_key == f"training-booking-promoted:{second.id}"
    assert first.status is BookingStatus.WAITLISTED
    counts = (await training.seat_counts(session, [row.id]))[row.id]
    assert (counts.taken, counts.waiting) == (2, 1)
    with pytest.raises(DomainError) as again:
        await training.confirm_booking(session, SYSTEM, booking_id=second.id)
    assert _codes(again) == [("bookingId", "NOT_WAITLISTED")]


async def test_confirm_now_with_a_seat_free(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    await train.book(row, await make.contact(member))
    waiting = await train.book(row, await make.contact(member))
    row.capacity = 2  # a seat came free without a promotion (e.g. staff raised it directly)
    await session.flush()
    confirmed = await training.confirm_booking(session, SYSTEM, booking_id=waiting.id)
    assert confirmed.status is BookingStatus.CONFIRMED


# -- 7. booking several at once -------------------------------------------------------------------


async def test_book_contacts_in_order_then_waitlisted(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=2)
    member = await make.member()
    people = [await make.contact(member) for _ in range(3)]
    made = await training.book_contacts(
        session, SYSTEM, session_id=row.id, contact_ids=[p.id for p in people]
    )
    assert [(b.contact_id, b.status) for b in made] == [
        (people[0].id, BookingStatus.CONFIRMED),
        (people[1].id, BookingStatus.CONFIRMED),
        (people[2].id, BookingStatus.WAITLISTED),
    ]
    assert len(await _outbox(session, "training_booking_confirmed")) == 2
    assert len(await _outbox(session, "training_booking_waitlisted")) == 1


async def test_book_contacts_is_all_or_nothing(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=5)
    member = await make.member()
    fine = await make.contact(member)
    booked = await make.contact(member)
    await train.book(row, booked)
    before = await snapshot(session)
    with pytest.raises(DomainError) as refused:
        await training.book_contacts(
            session, SYSTEM, session_id=row.id, contact_ids=[fine.id, booked.id, uuid.uuid4()]
        )
    assert _codes(refused) == [
        ("contactIds.1", "ALREADY_BOOKED"),
        ("contactIds.2", "NOT_FOUND"),
    ]
    with pytest.raises(DomainError) as twice:
        await training.book_contacts(
            session, SYSTEM, session_id=row.id, contact_ids=[fine.id, fine.id]
        )
    assert _codes(twice) == [("contactIds.1", "DUPLICATE")]
    with pytest.raises(DomainError) as many:
        await training.book_contacts(
            session, SYSTEM, session_id=row.id, contact_ids=[uuid.uuid4() for _ in range(51)]
        )
    assert _codes(many) == [("contactIds", "TOO_MANY")]
    assert await snapshot(session) == before


# -- 8. cancelling a session ----------------------------------------------------------------------


async def test_cancel_training_session_tells_everyone_booked(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    member = await make.member()
    seated = await train.book(row, await make.contact(member))
    waiting = await train.book(row, await make.contact(member))
    with pytest.raises(DomainError) as no_reason:
        await training.cancel_training_session(session, SYSTEM, session_id=row.id, reason=" ")
    assert _codes(no_reason) == [("reason", "BLANK")]

    cancelled = await training.cancel_training_session(
        session, SYSTEM, session_id=row.id, reason="Venue flooded"
    )

    assert cancelled.status is TrainingSessionStatus.CANCELLED
    assert cancelled.cancellation_reason == "Venue flooded"
    told = await _outbox(session, "training_session_cancelled")
    assert sorted(m.dedup_key for m in told) == sorted(
        f"training-session-cancelled:{row.id}:{b.id}" for b in (seated, waiting)
    )
    with pytest.raises(DomainError) as again:
        await training.cancel_training_session(session, SYSTEM, session_id=row.id, reason="Again")
    assert _codes(again) == [("sessionId", "ALREADY_CANCELLED")]


async def test_an_ended_session_cannot_be_cancelled(
    session: AsyncSession, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    await _start(session, row, ended=True)
    with pytest.raises(DomainError) as ended:
        await training.cancel_training_session(session, SYSTEM, session_id=row.id, reason="Late")
    assert _codes(ended) == [("sessionId", "SESSION_ENDED")]
