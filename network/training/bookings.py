"""Bookings: putting contacts on sessions (one or several at once), the waiting list and
confirming from it, cancelling, recording and clearing attendance, walk-ins.

A booking, a cancellation and an attendance record each lock the session row first, then
count: see network.training.sessions. The waiting list needs no bookkeeping of its own: it
is the session's WAITLISTED bookings in the order they were made (`queue_number`), and a
position is computed, so a promotion or a cancellation never leaves a gap.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.policy import require_booker, require_manager, require_staff
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.contacts.models import Contact
from network.contacts.service import get_contacts
from network.db import ACTING, act_as_on, act_on, utcnow
from network.kit.errors import DomainError, Errors, NotFound
from network.kit.loading import rows_by_id
from network.kit.owed import Job, owe
from network.kit.pagination import Page, keyset_page
from network.kit.validation import clean_text
from network.programme.models import CohortMember
from network.training import notices
from network.training.enums import LIVE, SEAT_HOLDING, BookingStatus, TrainingSessionStatus
from network.training.models import Booking, TrainingSession
from network.training.scope import bookable_contact_condition, booking_condition
from network.training.sessions import count_seats, lock_bookings, lock_session, promote_waiting

bookings = Booking.__table__.c
MAX_ATTENDANCE_BATCH = 500
MAX_GROUP_BOOKING = 50
MAX_COLLEAGUES = 500  # the colleagues a member contact chooses from (a council has dozens)


@dataclass(slots=True)
class BookingQuery:
    """Filters for listing bookings; None means "any"."""

    session_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    status: BookingStatus | None = None


def _waitlist_position() -> Any:
    ahead = Booking.__table__.alias("ahead")
    rank = (
        select(func.count())
        .where(
            ahead.c.session_id == bookings.session_id,
            ahead.c.status == BookingStatus.WAITLISTED,
            ahead.c.queue_number <= bookings.queue_number,
        )
        .scalar_subquery()
    )
    return case((bookings.status == BookingStatus.WAITLISTED, rank), else_=None).label(
        "waitlist_position"
    )


# Built once: a fresh alias per statement would cost its construction and a compile each time.
WAITLIST_POSITION = _waitlist_position()


# Every booking is read with its contact (visible whenever the booking is), as columns named
# contact__<column>: a list of bookings needs no second query, nor a lookup per row, for who
# is booked.
CONTACT_COLUMNS = [column.label(f"contact__{column.key}") for column in Contact.__table__.c]
WITH_CONTACT = Booking.__table__.join(
    Contact.__table__, Contact.__table__.c.id == bookings.contact_id
)


@asynccontextmanager
async def beyond_row_security(
    session: AsyncSession,
    principal: Principal,
    kinds: Sequence[PrincipalKind] = (PrincipalKind.MEMBER,),
) -> AsyncIterator[None]:
    """Statements in this block read past row-level security when a principal of `kinds` asks.

    Row-level security shows a member contact's transaction the contacts of its own member
    (migration 0014) and a partner's those of its members: cancelling a booking owes emails to
    whoever the freed seat goes to, who may be another member's or partner's contact, so that
    side effect reads in this block (nothing of theirs is returned to the caller), which then
    names the caller again. For other principals it does nothing.
    """
    if principal.kind not in kinds:
        yield
        return
    connection = await session.connection()
    caller = connection.info.get(ACTING)
    await act_as_on(connection, SYSTEM)
    try:
        yield
    finally:
        if connection.in_transaction() and not connection.invalidated:
            await connection.run_sync(act_on, caller)


def readable(principal: Principal) -> Select[Any]:
    """The bookings the principal may see, with each one's place on the waiting list."""
    return (
        select(*bookings, WAITLIST_POSITION, *CONTACT_COLUMNS)
        .select_from(WITH_CONTACT)
        .where(booking_condition(principal))
    )


def _apply(statement: Select[Any], query: BookingQuery) -> Select[Any]:
    if query.session_id is not None:
        statement = statement.where(bookings.session_id == query.session_id)
    if query.contact_id is not None:
        statement = statement.where(bookings.contact_id == query.contact_id)
    if query.status is not None:
        statement = statement.where(bookings.status == query.status)
    return statement


async def list_bookings(
    session: AsyncSession,
    principal: Principal,
    query: BookingQuery,
    *,
    first: int | None,
    after: str | None,
) -> Page:
    """A page of visible bookings, in the order they were made."""
    statement = _apply(readable(principal), query)
    return await keyset_page(session, statement, [bookings.queue_number], first=first, after=after)


async def get_bookings(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """Visible bookings by id (missing or hidden ones are absent)."""
    return await rows_by_id(session, readable(principal), ids)


async def bookings_of_sessions(
    session: AsyncSession,
    principal: Principal,
    session_ids: Sequence[uuid.UUID],
    *,
    first: int,
    status: BookingStatus | None = None,
) -> tuple[dict[uuid.UUID, list[Row[Any]]], dict[uuid.UUID, int]]:
    """The first `first` (+1) visible bookings of each session and each one's count: two queries."""
    base = _apply(readable(principal), BookingQuery(status=status)).where(
        bookings.session_id.in_(session_ids)
    )
    ranked = base.add_columns(
        func.row_number()
        .over(partition_by=bookings.session_id, order_by=bookings.queue_number)
        .label("rank")
    ).subquery()
    statement = (
        select(ranked)
        .where(ranked.c.rank <= first + 1)
        .order_by(ranked.c.session_id, ranked.c.rank)
    )
    by_session: dict[uuid.UUID, list[Row[Any]]] = defaultdict(list)
    found = (await session.execute(statement)).all()
    for row in found:
        by_session[row.session_id].append(row)
    counted_base = _apply(
        select(bookings.session_id).where(booking_condition(principal)),
        BookingQuery(status=status),
    ).where(bookings.session_id.in_(session_ids))
    counted = counted_base.subquery()
    totals = select(counted.c.session_id, func.count()).group_by(counted.c.session_id)
    counts: dict[uuid.UUID, int] = dict((await session.execute(totals)).all())
    return by_session, counts


async def booked_contact_ids(
    session: AsyncSession, principal: Principal, session_id: uuid.UUID
) -> set[uuid.UUID]:
    """The visible contacts that hold a live (not cancelled) booking on the session."""
    statement = select(bookings.contact_id).where(
        booking_condition(principal),
        bookings.session_id == session_id,
        bookings.status.in_(LIVE),
    )
    return set((await session.scalars(statement)).all())


async def bookable_contacts(
    session: AsyncSession, principal: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row[Any]]:
    """The contacts with these ids the principal may book, archived included (the booking
    refuses those): a member contact itself and its colleagues, staff and partners those they
    see. Missing or out-of-scope ones are absent."""
    statement = select(*Contact.__table__.c).where(bookable_contact_condition(principal))
    return await rows_by_id(session, statement, ids)


async def colleagues(session: AsyncSession, principal: Principal) -> list[Row[Any]]:
    """The live contacts a member contact may book (itself first, then its colleagues by
    name); empty for other principals, who choose from the contacts they see."""
    if principal.kind is not PrincipalKind.MEMBER or principal.contact_id is None:
        return []
    statement = (
        select(*Contact.__table__.c)
        .where(bookable_contact_condition(principal), Contact.archived_at.is_(None))
        .order_by(
            (Contact.id != principal.contact_id), Contact.last_name, Contact.first_name, Contact.id
        )
        .limit(MAX_COLLEAGUES)
    )
    return list((await session.execute(statement)).all())


async def _eligible(session: AsyncSession, training: TrainingSession, contact: Any) -> bool:
    """Whether the contact may sit a session reserved for one member or one cohort."""
    if training.reserved_member_id is not None:
        return bool(contact.member_id == training.reserved_member_id)
    if training.reserved_cohort_id is not None:
        found = await session.execute(
            select(CohortMember.member_id).where(
                CohortMember.cohort_id == training.reserved_cohort_id,
                CohortMember.member_id == contact.member_id,
            )
        )
        return found.first() is not None
    return True


def _session_errors(errors: Errors, training: TrainingSession, now: datetime) -> None:
    """Record why the session takes no bookings now, if it does not."""
    if training.status is TrainingSessionStatus.CANCELLED:
        errors.add("sessionId", "SESSION_CANCELLED", "This session was cancelled.")
    elif now >= (training.booking_deadline or training.starts_at):
        closed = training.booking_deadline or training.starts_at
        errors.add(
            "sessionId",
            "BOOKING_CLOSED",
            f"Bookings for this session closed at {closed.isoformat()}.",
        )


async def _contact_errors(
    session: AsyncSession,
    errors: Errors,
    training: TrainingSession,
    contact: Any,
    *,
    field: str,
    already: bool,
) -> None:
    """Record why the contact may not take a place on the session, if it may not."""
    if contact.archived_at is not None:
        errors.add(field, "ARCHIVED", "This contact is archived.")
    elif already:
        errors.add(field, "ALREADY_BOOKED", "This contact already has a booking on this session.")
    elif not await _eligible(session, training, contact):
        errors.add(
            field,
            "NOT_ELIGIBLE",
            "This session is reserved for another organisation or cohort.",
        )


async def _occupancy(
    session: AsyncSession, training: TrainingSession, contact_ids: Sequence[uuid.UUID]
) -> tuple[int, int, set[uuid.UUID]]:
    """Seats taken, people waiting, and which of these contacts already hold a live booking,
    in one statement (call with the session locked)."""
    taken, waiting, booked = (
        await session.execute(
            select(
                func.count().filter(Booking.status.in_(SEAT_HOLDING)),
                func.count().filter(Booking.status == BookingStatus.WAITLISTED),
                func.array_agg(Booking.contact_id).filter(
                    Booking.contact_id.in_(contact_ids), Booking.status.in_(LIVE)
                ),
            ).where(Booking.session_id == training.id)
        )
    ).one()
    return taken, waiting, set(booked or ())


async def _add_booking(
    session: AsyncSession,
    principal: Principal,
    training: TrainingSession,
    contact: Any,
    *,
    taken: int,
    waiting: int,
    now: datetime,
) -> Booking:
    """Insert one booking (CONFIRMED while `taken` < capacity, else WAITLISTED), audit it, and
    owe its email; the caller has locked the session, counted, and validated everything."""
    status = BookingStatus.CONFIRMED if taken < training.capacity else BookingStatus.WAITLISTED
    booking = Booking(
        session_id=training.id,
        contact_id=contact.id,
        status=status,
        booked_by_user_id=principal.user_id,
        booked_at=now,
    )
    session.add(booking)
    await session.flush()
    position = waiting + 1 if status is BookingStatus.WAITLISTED else None
    audit.record(
        session,
        principal,
        "booking.created",
        "Booking",
        booking.id,
        {
            "session_id": training.id,
            "contact_id": contact.id,
            "status": status,
            "waitlist_position": position,
        },
    )
    known = {contact.id: contact}
    if position is None:
        await notices.booking_confirmed(session, training, [booking], contacts=known)
    else:
        await notices.booking_waitlisted(session, training, booking, position, contacts=known)
    return booking


async def book_training(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    now: datetime | None = None,
) -> Booking:
    """Book a contact onto a session: CONFIRMED while seats are left, else WAITLISTED.

    Staff book any contact; a partner only the contacts of its own members; a member contact
    itself or a colleague (a contact of its own member) onto a session it sees (open to all,
    or reserved for its member or a cohort of it): another member's contact is NOT_FOUND. A
    contact holds at most one live booking per session. The confirmation (with the calendar
    invite) or the waiting-list email is owed in the same transaction.
    """
    require_booker(principal, "contactId")
    now = now or utcnow()
    # Who the contact is does not depend on the session: read it before taking the lock, so
    # the lock is held for as few statements as possible.
    contact = (
        (await bookable_contacts(session, principal, [contact_id])).get(contact_id)
        if contact_id
        else None
    )
    # The lock comes before every count: each count then sees all bookings committed before.
    training = await lock_session(session, principal, session_id, "sessionId")
    if contact is None:
        raise NotFound("contactId", "contact")
    taken, waiting, booked = await _occupancy(session, training, [contact.id])
    errors = Errors()
    _session_errors(errors, training, now)
    await _contact_errors(
        session, errors, training, contact, field="contactId", already=contact.id in booked
    )
    errors.raise_if_any()
    return await _add_booking(
        session, principal, training, contact, taken=taken, waiting=waiting, now=now
    )


async def book_contacts(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None,
    contact_ids: Sequence[uuid.UUID | None],
    now: datetime | None = None,
) -> list[Booking]:
    """Book several contacts onto a session at once, in the order given (staff, or a partner
    for its own members' contacts): CONFIRMED while seats last, then WAITLISTED.

    All or nothing: if any contact cannot be booked, nothing is, and each error names the
    contact's place in the list (`contactIds.<index>`). At most MAX_GROUP_BOOKING at once;
    the same contact twice is refused. Each booking is owed its email as in book_training.
    """
    require_manager(principal, "contactIds")
    now = now or utcnow()
    if not contact_ids:
        raise DomainError.one("contactIds", "REQUIRED", "Give at least one contact.")
    if len(contact_ids) > MAX_GROUP_BOOKING:
        raise DomainError.one(
            "contactIds", "TOO_MANY", f"At most {MAX_GROUP_BOOKING} contacts at once."
        )
    errors = Errors()
    first_place: dict[uuid.UUID, int] = {}
    for index, contact_id in enumerate(contact_ids):
        if contact_id is None:
            errors.add(f"contactIds.{index}", "NOT_FOUND", "No contact with this id.")
        elif contact_id in first_place:
            errors.add(
                f"contactIds.{index}",
                "DUPLICATE",
                f"The same contact as contactIds.{first_place[contact_id]}.",
            )
        else:
            first_place[contact_id] = index
    errors.raise_if_any()
    wanted = list(first_place)
    contacts = await get_contacts(session, principal, wanted)
    training = await lock_session(session, principal, session_id, "sessionId")
    taken, waiting, booked = await _occupancy(session, training, wanted)
    _session_errors(errors, training, now)
    for index, contact_id in enumerate(wanted):
        contact = contacts.get(contact_id)
        if contact is None:
            errors.add(f"contactIds.{index}", "NOT_FOUND", "No contact with this id.")
            continue
        await _contact_errors(
            session,
            errors,
            training,
            contact,
            field=f"contactIds.{index}",
            already=contact_id in booked,
        )
    errors.raise_if_any()
    made: list[Booking] = []
    for contact_id in wanted:
        booking = await _add_booking(
            session,
            principal,
            training,
            contacts[contact_id],
            taken=taken,
            waiting=waiting,
            now=now,
        )
        if booking.status is BookingStatus.CONFIRMED:
            taken += 1
        else:
            waiting += 1
        made.append(booking)
    return made


async def _visible_booking(
    session: AsyncSession, principal: Principal, booking_id: uuid.UUID | None, field: str
) -> Row[Any]:
    if booking_id is None:
        raise NotFound(field, "booking")
    row = (await get_bookings(session, principal, [booking_id])).get(booking_id)
    if row is None:
        raise NotFound(field, "booking")
    return row


async def cancel_booking(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_id: uuid.UUID | None,
    reason: str | None = None,
    now: datetime | None = None,
) -> Booking:
    """Cancel a booking before the session starts; a freed seat goes to the first on the list.

    Staff cancel any booking, a partner those of its members' contacts, a member contact its
    own and those it made for colleagues (the bookings it sees: network.training.scope).
    The promotion happens in the same transaction, with the session locked, and the promoted
    contact is owed an email with the calendar invite.
    """
    require_booker(principal, "bookingId")
    now = now or utcnow()
    visible = await _visible_booking(session, principal, booking_id, "bookingId")
    # The contacts owed emails (a member contact's colleague; whoever is promoted, who may be
    # another partner's) are read beyond row-level security, for the emails only: the booking
    # was checked visible above, and nothing of theirs is returned to the caller.
    async with beyond_row_security(
        session, principal, (PrincipalKind.MEMBER, PrincipalKind.PARTNER)
    ):
        return await _cancel(session, principal, visible, reason=reason, now=now)


async def _cancel(
    session: AsyncSession,
    principal: Principal,
    visible: Row[Any],
    *,
    reason: str | None,
    now: datetime,
) -> Booking:
    # The booking is visible, so its session may be locked whoever asks.
    training = await lock_session(session, SYSTEM, visible.session_id, "bookingId")
    booking = (await lock_bookings(session, [visible.id]))[visible.id]
    errors = Errors()
    clean_reason = clean_text(errors, "reason", reason, required=False, max_length=1000)
    if booking.status is BookingStatus.CANCELLED:
        errors.add("bookingId", "ALREADY_CANCELLED", "This booking is already cancelled.")
    elif booking.status in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW):
        errors.add(
            "bookingId", "ATTENDANCE_RECORDED", "Attendance was recorded; it cannot be cancelled."
        )
    elif now >= training.starts_at:
        errors.add(
            "bookingId",
            "SESSION_STARTED",
            "The session has started: record attendance instead of cancelling.",
        )
    errors.raise_if_any()
    had_seat = booking.status is BookingStatus.CONFIRMED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancellation_reason = clean_reason
    booking.cancelled_by_user_id = principal.user_id
    await session.flush()
    audit.record(
        session,
        principal,
        "booking.cancelled",
        "Booking",
        booking.id,
        {"session_id": training.id, "reason": clean_reason, "had_seat": had_seat},
    )
    await notices.booking_cancelled(session, training, booking, had_seat=had_seat)
    promoted = await promote_waiting(session, training, now) if had_seat else []
    for moved in promoted:
        audit.record(
            session,
            principal,
            "booking.promoted",
            "Booking",
            moved.id,
            {"session_id": training.id, "freed_by": booking.id},
        )
    await notices.booking_promoted(session, training, promoted)
    return booking


async def confirm_booking(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_id: uuid.UUID | None,
    over_capacity: bool = False,
    now: datetime | None = None,
) -> Booking:
    """Confirm a booking from the waiting list now, out of turn (staff: "confirm now").

    It takes a free seat; when none is free it is refused (NO_SEAT_FREE) unless
    `over_capacity`, which seats it beyond the capacity. The contact is owed the promotion
    email with the calendar invite, as when a seat frees up.
    """
    require_staff(principal, "bookingId")
    now = now or utcnow()
    visible = await _visible_booking(session, principal, booking_id, "bookingId")
    training = await lock_session(session, SYSTEM, visible.session_id, "bookingId")
    booking = (await lock_bookings(session, [visible.id]))[visible.id]
    errors = Errors()
    if booking.status is not BookingStatus.WAITLISTED:
        errors.add(
            "bookingId", "NOT_WAITLISTED", "Only a booking on the waiting list is confirmed."
        )
    elif training.status is TrainingSessionStatus.CANCELLED:
        errors.add("bookingId", "SESSION_CANCELLED", "This session was cancelled.")
    elif now >= training.starts_at:
        errors.add(
            "bookingId",
            "SESSION_STARTED",
            "The session has started: record attendance (a walk-in) instead.",
        )
    else:
        taken = (await count_seats(session, training.id)).taken
        if taken >= training.capacity and not over_capacity:
            errors.add(
                "bookingId",
                "NO_SEAT_FREE",
                f"All {training.capacity} seats are taken; confirm over capacity to seat them.",
            )
    errors.raise_if_any()
    booking.status = BookingStatus.CONFIRMED
    booking.promoted_at = now
    await session.flush()
    audit.record(
        session,
        principal,
        "booking.promoted",
        "Booking",
        booking.id,
        {"session_id": training.id, "reason": "confirmed by staff", "over_capacity": over_capacity},
    )
    await notices.booking_promoted(session, training, [booking])
    return booking


@dataclass(slots=True)
class AttendanceChange:
    """Bookings whose attendance was recorded or cleared, and those of them that were ATTENDED
    before and are no more (their certificates are to be revoked by the caller)."""

    bookings: list[Booking]
    withdrawn: list[uuid.UUID]


async def _lock_for_attendance(
    session: AsyncSession,
    principal: Principal,
    booking_ids: Sequence[uuid.UUID | None],
    now: datetime,
) -> tuple[list[uuid.UUID], dict[uuid.UUID, TrainingSession], dict[uuid.UUID, Booking], Errors]:
    """The wanted ids, their sessions and bookings locked (sessions first, in id order), and
    the errors of sessions that take no attendance (cancelled, or not started)."""
    require_staff(principal, "bookingIds")
    if not booking_ids:
        raise DomainError.one("bookingIds", "REQUIRED", "Give at least one booking.")
    if len(booking_ids) > MAX_ATTENDANCE_BATCH:
        raise DomainError.one(
            "bookingIds", "TOO_MANY", f"At most {MAX_ATTENDANCE_BATCH} bookings at once."
        )
    if any(i is None for i in booking_ids):
        raise NotFound("bookingIds", "booking")
    wanted = list(dict.fromkeys(i for i in booking_ids if i is not None))
    visible = await get_bookings(session, principal, wanted)
    if len(visible) != len(wanted):
        raise NotFound("bookingIds", "booking")
    session_ids = sorted({row.session_id for row in visible.values()})
    trainings = {}
    for session_id in session_ids:  # in id order, so two batches never wait on each other
        trainings[session_id] = await lock_session(session, SYSTEM, session_id, "bookingIds")
    locked = await lock_bookings(session, wanted)
    errors = Errors()
    for training in trainings.values():
        if training.status is TrainingSessionStatus.CANCELLED:
            errors.add("bookingIds", "SESSION_CANCELLED", "A session of these was cancelled.")
        elif now < training.starts_at:
            errors.add(
                "bookingIds",
                "SESSION_NOT_STARTED",
                "Attendance can be recorded once the session has started.",
            )
    return wanted, trainings, locked, errors


def _owe_certificates(
    session: AsyncSession,
    trainings: dict[uuid.UUID, TrainingSession],
    attended: Sequence[Booking],
    now: datetime,
) -> None:
    """Owe the certificate job for attended bookings of sessions that have ended; the others
    are issued by the sweep after their end (network.certificates.due)."""
    ended = [b.id for b in attended if now >= trainings[b.session_id].ends_at]
    if ended:  # once committed, a worker issues the certificates these are owed
        owe(session, Job.ISSUE_CERTIFICATES, ended)


async def record_attendance(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_ids: Sequence[uuid.UUID | None],
    attended: bool,
    now: datetime | None = None,
) -> AttendanceChange:
    """Record ATTENDED or NO_SHOW on bookings of sessions that have started (staff).

    Seat holders (confirmed, attended, no-show) take either; a waitlisted booking may be
    marked ATTENDED, as a walk-in (the seats taken may then exceed the capacity). A walk-in is
    never marked NO_SHOW (refused, WALK_IN): someone who held no seat and did not come has
    their mark cleared instead (undo_attendance), which cancels the walk-in booking. Marking
    ATTENDED owes the certificate job once the session has ended; a booking marked ATTENDED
    again after a correction gets a new `attendance_marked_at`, so it is owed a new
    certificate (network.certificates.issuing.owes_certificate). The bookings that go from
    ATTENDED to NO_SHOW are returned as withdrawn: use network.usecases.attendance, which
    revokes their certificates in the same transaction.
    """
    now = now or utcnow()
    wanted, trainings, locked, errors = await _lock_for_attendance(
        session, principal, booking_ids, now
    )
    allowed = (*SEAT_HOLDING, BookingStatus.WAITLISTED) if attended else SEAT_HOLDING
    refused = [b for b in locked.values() if b.status not in allowed]
    if refused:
        errors.add(
            "bookingIds",
            "NOT_CONFIRMED",
            "Only confirmed bookings have attendance (a waitlisted one may be marked "
            f"attended, as a walk-in); {len(refused)} of these are "
            + ("cancelled." if attended else "waitlisted or cancelled."),
        )
    if not attended and any(b.walk_in for b in locked.values()):
        errors.add("bookingIds", "WALK_IN", "A walk-in who did not attend: clear the mark instead.")
    errors.raise_if_any()
    status = BookingStatus.ATTENDED if attended else BookingStatus.NO_SHOW
    withdrawn: list[uuid.UUID] = []
    for booking in locked.values():
        if booking.status is status:
            continue
        before = booking.status
        if before is BookingStatus.WAITLISTED:
            booking.walk_in = True
        if before is BookingStatus.ATTENDED:
            withdrawn.append(booking.id)
        booking.status = status
        booking.attendance_marked_at = now
        audit.record(
            session,
            principal,
            "booking.attendance_recorded",
            "Booking",
            booking.id,
            {"from": before, "to": status, "walk_in": booking.walk_in},
        )
    if attended:
        _owe_certificates(session, trainings, list(locked.values()), now)
    await session.flush()
    return AttendanceChange([locked[i] for i in wanted], withdrawn)


async def undo_attendance(
    session: AsyncSession,
    principal: Principal,
    *,
    booking_ids: Sequence[uuid.UUID | None],
    reason: str | None = None,
    now: datetime | None = None,
) -> AttendanceChange:
    """Clear recorded attendance (staff): a booking that held a seat returns to CONFIRMED; a
    walk-in (marked attended without a seat, from the waiting list or not booked at all)
    returns to CANCELLED, with `reason` (already clean) as its cancellation reason.

    The bookings that were ATTENDED are returned as withdrawn: use
    network.usecases.attendance, which revokes their certificates in the same transaction.
    """
    now = now or utcnow()
    wanted, _, locked, errors = await _lock_for_attendance(session, principal, booking_ids, now)
    unrecorded = [
        b
        for b in locked.values()
        if b.status not in (BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
    ]
    if unrecorded:
        errors.add(
            "bookingIds",
            "NOT_RECORDED",
            f"{len(unrecorded)} of these have no attendance recorded.",
        )
    errors.raise_if_any()
    withdrawn: list[uuid.UUID] = []
    for booking in locked.values():
        before = booking.status
        if before is BookingStatus.ATTENDED:
            withdrawn.append(booking.id)
        booking.attendance_marked_at = None
        if booking.walk_in:
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            booking.cancellation_reason = reason or "Attendance cleared."
            booking.cancelled_by_user_id = principal.user_id
        else:
            booking.status = BookingStatus.CONFIRMED
        audit.record(
            session,
            principal,
            "booking.attendance_cleared",
            "Booking",
            booking.id,
            {"from": before, "to": booking.status, "walk_in": booking.walk_in, "reason": reason},
        )
    await session.flush()
    return AttendanceChange([locked[i] for i in wanted], withdrawn)


async def record_walk_in(
    session: AsyncSession,
    principal: Principal,
    *,
    session_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    now: datetime | None = None,
) -> Booking:
    """Mark someone who turned up without a seat as ATTENDED, a walk-in (staff).

    Once the session has started (and it is not cancelled): a contact with no live booking
    gets a new ATTENDED booking with walk_in set; one waitlisted becomes ATTENDED as a
    walk-in; one confirmed or marked no-show becomes ATTENDED. The seats taken may then
    exceed the capacity. An archived contact, one the session is not reserved for, or one
    already attended is refused. The certificate is owed as for marked attendance.
    """
    require_staff(principal, "sessionId")
    now = now or utcnow()
    contact = (
        (await get_contacts(session, principal, [contact_id])).get(contact_id)
        if contact_id
        else None
    )
    training = await lock_session(session, principal, session_id, "sessionId")
    if contact is None:
        raise NotFound("contactId", "contact")
    errors = Errors()
    if training.status is TrainingSessionStatus.CANCELLED:
        errors.add("sessionId", "SESSION_CANCELLED", "This session was cancelled.")
    elif now < training.starts_at:
        errors.add(
            "sessionId",
            "SESSION_NOT_STARTED",
            "Walk-ins are recorded once the session has started.",
        )
    existing = (
        await session.scalars(
            select(Booking)
            .where(
                Booking.session_id == training.id,
                Booking.contact_id == contact.id,
                Booking.status.in_(LIVE),
            )
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).first()
    if existing is not None and existing.status is BookingStatus.ATTENDED:
        errors.add("contactId", "ALREADY_ATTENDED", "This contact is already marked attended.")
    else:
        await _contact_errors(session, errors, training, contact, field="contactId", already=False)
    errors.raise_if_any()
    if existing is None:
        booking = Booking(
            session_id=training.id,
            contact_id=contact.id,
            status=BookingStatus.ATTENDED,
            walk_in=True,
            booked_by_user_id=principal.user_id,
            booked_at=now,
            attendance_marked_at=now,
        )
        session.add(booking)
        await session.flush()
        audit.record(
            session,
            principal,
            "booking.walk_in",
            "Booking",
            booking.id,
            {"session_id": training.id, "contact_id": contact.id, "status": booking.status},
        )
    else:
        booking = existing
        before = booking.status
        if before is BookingStatus.WAITLISTED:
            booking.walk_in = True
        booking.status = BookingStatus.ATTENDED
        booking.attendance_marked_at = now
        await session.flush()
        audit.record(
            session,
            principal,
            "booking.attendance_recorded",
            "Booking",
            booking.id,
            {"from": before, "to": booking.status, "walk_in": booking.walk_in},
        )
    _owe_certificates(session, {training.id: training}, [booking], now)
    return booking
