"""The register through GraphQL: book several, confirm now, walk-ins, attendance corrections
that revoke certificates, certificates after the end, cancelling a session, hasSeats."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Role
from network.training.models import Booking, TrainingSession
from network.usecases import attendance
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot
from tests.support.training import TrainingFactory

BOOK_CONTACTS = """
mutation($input: BookContactsInput!) {
  bookContacts(input: $input) {
    bookings { status waitlistPosition contact { email } }
    userErrors { field code }
  }
}"""

CONFIRM = """
mutation($input: ConfirmBookingInput!) {
  confirmBooking(input: $input) {
    booking { status waitlistPosition session { seatsTaken overCapacity capacity } }
    userErrors { field code }
  }
}"""

MARK = """
mutation($input: MarkAttendanceInput!) {
  markAttendance(input: $input) { bookings { status walkIn } userErrors { field code } }
}"""

CLEAR = """
mutation($input: ClearAttendanceInput!) {
  clearAttendance(input: $input) {
    bookings { status walkIn cancellationReason }
    userErrors { field code }
  }
}"""

WALK_IN = """
mutation($input: RecordWalkInInput!) {
  recordWalkIn(input: $input) {
    booking { status walkIn contact { email } session { seatsTaken overCapacity capacity } }
    userErrors { field code }
  }
}"""

CANCEL_SESSION = """
mutation($input: CancelTrainingSessionInput!) {
  cancelTrainingSession(input: $input) {
    trainingSession { status cancellationReason seatsLeft }
    userErrors { field code }
  }
}"""

ISSUE = """
mutation($input: IssueCertificatesInput!) {
  issueCertificates(input: $input) { certificates { number } userErrors { field code } }
}"""

VERIFY = """
query($code: String!) { verifyCertificate(code: $code) { status } }"""


async def _move(session: AsyncSession, row: TrainingSession, *, ended: bool) -> None:
    """The clock moves on: the session has started (and maybe ended)."""
    row.starts_at = utcnow().replace(microsecond=0) - timedelta(hours=5 if ended else 1)
    row.ends_at = row.starts_at + timedelta(hours=3)
    await session.flush()


async def test_book_contacts_confirm_now_and_a_walk_in_over_capacity(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    row = await train.session_of(capacity=2)
    powys, kent = await make.member("Powys"), await make.member("Kent")
    people = [
        await make.contact(powys, "ann@powys.example"),
        await make.contact(kent, "bob@kent.example"),
        await make.contact(kent, "cai@kent.example"),
    ]
    stranger = await make.contact(powys, "dee@powys.example")
    token = await make.token(Role.STAFF)

    refused = await gql(
        BOOK_CONTACTS,
        {
            "input": {
                "sessionId": gid("TrainingSession", row),
                "contactIds": [gid("Contact", people[0]), gid("Contact", people[0])],
            }
        },
        token=token,
    )
    assert refused["data"]["bookContacts"] == {
        "bookings": None,
        "userErrors": [{"field": "contactIds.1", "code": "DUPLICATE"}],
    }
    booked = await gql(
        BOOK_CONTACTS,
        {
            "input": {
                "sessionId": gid("TrainingSession", row),
                "contactIds": [gid("Contact", p) for p in people],
            }
        },
        token=token,
    )
    assert booked["data"]["bookContacts"] == {
        "bookings": [
            {"status": "CONFIRMED", "waitlistPosition": None, "contact": {"email": p.email}}
            for p in people[:2]
        ]
        + [{"status": "WAITLISTED", "waitlistPosition": 1, "contact": {"email": people[2].email}}],
        "userErrors": [],
    }

    waiting = gid("Booking", await _booking_of(session, row, people[2]))
    full = await gql(CONFIRM, {"input": {"bookingId": waiting}}, token=token)
    assert full["data"]["confirmBooking"] == {
        "booking": None,
        "userErrors": [{"field": "bookingId", "code": "NO_SEAT_FREE"}],
    }
    over = await gql(CONFIRM, {"input": {"bookingId": waiting, "overCapacity": True}}, token=token)
    assert over["data"]["confirmBooking"] == {
        "booking": {
            "status": "CONFIRMED",
            "waitlistPosition": None,
            "session": {"seatsTaken": 3, "overCapacity": True, "capacity": 2},
        },
        "userErrors": [],
    }

    walk_in = {
        "input": {"sessionId": gid("TrainingSession", row), "contactId": gid("Contact", stranger)}
    }
    early = await gql(WALK_IN, walk_in, token=token)
    assert error_codes(early["data"]["recordWalkIn"]) == [("sessionId", "SESSION_NOT_STARTED")]
    await _move(session, row, ended=False)
    walked = await gql(WALK_IN, walk_in, token=token)
    assert walked["data"]["recordWalkIn"] == {
        "booking": {
            "status": "ATTENDED",
            "walkIn": True,
            "contact": {"email": "dee@powys.example"},
            "session": {"seatsTaken": 4, "overCapacity": True, "capacity": 2},
        },
        "userErrors": [],
    }
    partner_token = await make.token(Role.PARTNER, partner=await make.partner())
    denied = await gql(WALK_IN, walk_in, token=partner_token)
    assert error_codes(denied["data"]["recordWalkIn"]) == [("sessionId", "FORBIDDEN")]


async def _booking_of(session: AsyncSession, row: TrainingSession, contact: Contact) -> Booking:
    return (
        await session.scalars(
            select(Booking).where(Booking.session_id == row.id, Booking.contact_id == contact.id)
        )
    ).one()


async def test_certificates_after_the_end_and_a_correction_revokes(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    row = await train.session_of(capacity=3)
    member = await make.member()
    came = await train.book(row, await make.contact(member, "came@powys.example"))
    other = await train.book(row, await make.contact(member, "other@powys.example"))
    token = await make.token(Role.STAFF)
    await _move(session, row, ended=False)
    ids = [gid("Booking", came), gid("Booking", other)]
    marked = await gql(MARK, {"input": {"bookingIds": ids, "attended": True}}, token=token)
    assert marked["data"]["markAttendance"]["userErrors"] == []
    early = await gql(ISSUE, {"input": {"sessionId": gid("TrainingSession", row)}}, token=token)
    assert early["data"]["issueCertificates"] == {
        "certificates": None,
        "userErrors": [{"field": "sessionId", "code": "SESSION_NOT_ENDED"}],
    }
    await _move(session, row, ended=True)
    issued = await gql(ISSUE, {"input": {"sessionId": gid("TrainingSession", row)}}, token=token)
    assert len(issued["data"]["issueCertificates"]["certificates"]) == 2
    codes = dict(
        (await session.execute(select(Certificate.booking_id, Certificate.verification_code))).all()
    )

    corrected = await gql(
        MARK,
        {"input": {"bookingIds": [ids[0]], "attended": False, "reason": "Was not there"}},
        token=token,
    )
    assert corrected["data"]["markAttendance"] == {
        "bookings": [{"status": "NO_SHOW", "walkIn": False}],
        "userErrors": [],
    }
    cleared = await gql(CLEAR, {"input": {"bookingIds": [ids[1]]}}, token=token)
    assert cleared["data"]["clearAttendance"] == {
        "bookings": [{"status": "CONFIRMED", "walkIn": False, "cancellationReason": None}],
        "userErrors": [],
    }
    for booking in (came, other):
        verified = await gql(VERIFY, {"code": codes[booking.id]})
        assert verified["data"]["verifyCertificate"] == {"status": "REVOKED"}


async def test_clear_attendance_is_staff_only_and_changes_nothing_when_refused(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    row = await train.session_of(capacity=1)
    booking = await train.book(row, await make.contact(await make.member()))
    await _move(session, row, ended=True)
    await attendance.mark_attendance(session, SYSTEM, booking_ids=[booking.id], attended=True)
    await session.commit()
    partner_token = await make.token(Role.PARTNER, partner=await make.partner())
    before = await snapshot(session)
    denied = await gql(
        CLEAR, {"input": {"bookingIds": [gid("Booking", booking)]}}, token=partner_token
    )
    assert error_codes(denied["data"]["clearAttendance"]) == [("bookingIds", "FORBIDDEN")]
    assert await snapshot(session) == before


async def test_cancel_training_session_needs_a_reason(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    row = await train.session_of(capacity=1)
    await train.book(row, await make.contact(await make.member()))
    token = await make.token(Role.STAFF)
    blank = await gql(
        CANCEL_SESSION,
        {"input": {"sessionId": gid("TrainingSession", row), "reason": ""}},
        token=token,
    )
    assert error_codes(blank["data"]["cancelTrainingSession"]) == [("reason", "BLANK")]
    done = await gql(
        CANCEL_SESSION,
        {"input": {"sessionId": gid("TrainingSession", row), "reason": "Trainer unwell"}},
        token=token,
    )
    assert done["data"]["cancelTrainingSession"] == {
        "trainingSession": {
            "status": "CANCELLED",
            "cancellationReason": "Trainer unwell",
            "seatsLeft": 0,
        },
        "userErrors": [],
    }


async def test_has_seats_true_lists_only_bookable_sessions(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    course = await train.course("Co-Production Star briefing")
    bookable = await train.session_of(course, capacity=2)
    full = await train.session_of(course, capacity=1)
    await train.book(full, await make.contact(await make.member()))
    past = await train.session_of(course, capacity=5)
    await _move(session, past, ended=True)
    token = await make.token(Role.STAFF)
    listing = """
    query($filter: TrainingSessionFilter) {
      trainingSessions(first: 10, filter: $filter) { edges { node { id } } }
    }"""

    async def ids(has_seats: bool) -> set[str]:
        body = await gql(
            listing,
            {"filter": {"courseId": gid("Course", course), "hasSeats": has_seats}},
            token=token,
        )
        return {e["node"]["id"] for e in body["data"]["trainingSessions"]["edges"]}

    assert await ids(True) == {gid("TrainingSession", bookable)}
    assert await ids(False) == {gid("TrainingSession", full), gid("TrainingSession", past)}
