"""Bookings through GraphQL: seats, the waiting list, cancelling, capacity, attendance, scope."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import Role
from network.kit.ids import to_global_id
from network.training import service as training
from network.training.models import Booking
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot
from tests.support.training import TrainingFactory

BOOK = """
mutation($input: BookTrainingInput!) {
  bookTraining(input: $input) {
    booking { status waitlistPosition contact { email } session { capacity } }
    userErrors { field code message }
  }
}"""

CANCEL = """
mutation($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    booking { status cancellationReason waitlistPosition }
    userErrors { field code message }
  }
}"""

UPDATE = """
mutation($input: UpdateTrainingSessionInput!) {
  updateTrainingSession(input: $input) {
    trainingSession { capacity seatsLeft confirmedCount waitlistCount status calendarSequence }
    userErrors { field code message }
  }
}"""

SESSION = """
query($id: ID!) {
  node(id: $id) {
    ... on TrainingSession {
      seatsLeft confirmedCount waitlistCount
      bookings(first: 20) {
        totalCount
        edges { node { status waitlistPosition contact { email } } }
      }
    }
  }
}"""


def _book(session_row: object, contact: object) -> dict[str, object]:
    return {
        "input": {
            "sessionId": gid("TrainingSession", session_row),
            "contactId": gid("Contact", contact),
        }
    }


async def _people(make: Factory, count: int, member: object | None = None) -> list[object]:
    member = member or await make.member()
    return [await make.contact(member, email=f"person{n}@powys.example") for n in range(count)]


async def _statuses(session: AsyncSession, session_id: object) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(Booking.contact_id, Booking.status)
        .where(Booking.session_id == session_id)
        .order_by(Booking.queue_number)
    )
    return [(str(contact_id), status.value) for contact_id, status in rows.all()]


async def test_books_seats_then_waitlists_in_order(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course_session = await train.session_of(capacity=2)
    people = await _people(make, 4)
    token = await make.token(Role.STAFF)
    results = [
        (await gql(BOOK, _book(course_session, person), token=token))["data"]["bookTraining"]
        for person in people
    ]
    assert [(r["booking"]["status"], r["booking"]["waitlistPosition"]) for r in results] == [
        ("CONFIRMED", None),
        ("CONFIRMED", None),
        ("WAITLISTED", 1),
        ("WAITLISTED", 2),
    ]
    assert all(r["userErrors"] == [] for r in results)
    assert results[0]["booking"]["contact"] == {"email": "person0@powys.example"}
    listed = await gql(SESSION, {"id": gid("TrainingSession", course_session)}, token=token)
    node = listed["data"]["node"]
    assert (node["seatsLeft"], node["confirmedCount"], node["waitlistCount"]) == (0, 2, 2)
    assert node["bookings"]["totalCount"] == 4
    assert [
        (e["node"]["contact"]["email"], e["node"]["status"], e["node"]["waitlistPosition"])
        for e in node["bookings"]["edges"]
    ] == [
        ("person0@powys.example", "CONFIRMED", None),
        ("person1@powys.example", "CONFIRMED", None),
        ("person2@powys.example", "WAITLISTED", 1),
        ("person3@powys.example", "WAITLISTED", 2),
    ]


async def test_cancelling_a_seat_promotes_the_first_waiting(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    course_session = await train.session_of(capacity=1)
    people = await _people(make, 3)
    bookings = [await train.book(course_session, person) for person in people]
    token = await make.token(Role.STAFF)
    result = await gql(
        CANCEL,
        {"input": {"bookingId": gid("Booking", bookings[0]), "reason": "  Off sick  "}},
        token=token,
    )
    assert result["data"]["cancelBooking"] == {
        "booking": {
            "status": "CANCELLED",
            "cancellationReason": "Off sick",
            "waitlistPosition": None,
        },
        "userErrors": [],
    }
    assert await _statuses(session, course_session.id) == [
        (str(people[0].id), "CANCELLED"),
        (str(people[1].id), "CONFIRMED"),
        (str(people[2].id), "WAITLISTED"),
    ]
    waiting = await gql(SESSION, {"id": gid("TrainingSession", course_session)}, token=token)
    assert [
        e["node"]["waitlistPosition"] for e in waiting["data"]["node"]["bookings"]["edges"]
    ] == [None, None, 1]
    actions = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "Booking")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert list(actions) == [
        "booking.created",
        "booking.created",
        "booking.created",
        "booking.cancelled",
        "booking.promoted",
    ]


async def test_cancelling_a_waitlisted_booking_closes_the_gap(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course_session = await train.session_of(capacity=1)
    people = await _people(make, 4)
    bookings = [await train.book(course_session, person) for person in people]
    token = await make.token(Role.STAFF)
    await gql(CANCEL, {"input": {"bookingId": gid("Booking", bookings[2])}}, token=token)
    listed = await gql(SESSION, {"id": gid("TrainingSession", course_session)}, token=token)
    assert [
        (e["node"]["status"], e["node"]["waitlistPosition"])
        for e in listed["data"]["node"]["bookings"]["edges"]
    ] == [("CONFIRMED", None), ("WAITLISTED", 1), ("CANCELLED", None), ("WAITLISTED", 2)]
    assert listed["data"]["node"]["waitlistCount"] == 2


async def test_raising_capacity_promotes_as_many_as_fit_and_lowering_below_is_refused(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    course_session = await train.session_of(capacity=2)
    people = await _people(make, 5)
    for person in people:
        await train.book(course_session, person)
    token = await make.token(Role.STAFF)
    raised = await gql(
        UPDATE,
        {"input": {"id": gid("TrainingSession", course_session), "capacity": 4}},
        token=token,
    )
    assert raised["data"]["updateTrainingSession"] == {
        "trainingSession": {
            "capacity": 4,
            "seatsLeft": 0,
            "confirmedCount": 4,
            "waitlistCount": 1,
            "status": "SCHEDULED",
            "calendarSequence": 0,
        },
        "userErrors": [],
    }
    assert [s for _, s in await _statuses(session, course_session.id)] == [
        "CONFIRMED",
        "CONFIRMED",
        "CONFIRMED",
        "CONFIRMED",
        "WAITLISTED",
    ]
    before = await snapshot(session)
    lowered = await gql(
        UPDATE,
        {"input": {"id": gid("TrainingSession", course_session), "capacity": 3}},
        token=token,
    )
    assert lowered["data"]["updateTrainingSession"] == {
        "trainingSession": None,
        "userErrors": [
            {
                "field": "capacity",
                "code": "BELOW_CONFIRMED",
                "message": "4 people hold a seat, so the capacity cannot go below 4; "
                "cancel bookings first.",
            }
        ],
    }
    assert await snapshot(session) == before


async def test_refused_bookings_write_nothing(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    now = utcnow()
    closed = await train.session_of(booking_deadline=now - timedelta(hours=1))
    open_session = await train.session_of(capacity=5)
    cancelled = await train.session_of()
    await training.update_training_session(
        session, SYSTEM, cancelled.id, status="CANCELLED", cancellation_reason="Trainer ill"
    )
    member = await make.member()
    person = await make.contact(member)
    archived = await make.contact(member)
    await contact_cases.archive_contact(session, SYSTEM, archived.id)
    await train.book(open_session, person)
    token = await make.token(Role.STAFF)
    before = await snapshot(session)
    cases = [
        (_book(closed, person), [("sessionId", "BOOKING_CLOSED")]),
        (_book(cancelled, person), [("sessionId", "SESSION_CANCELLED")]),
        (_book(open_session, person), [("contactId", "ALREADY_BOOKED")]),
        (_book(open_session, archived), [("contactId", "ARCHIVED")]),
        (
            {"input": {"sessionId": "nonsense", "contactId": gid("Contact", person)}},
            [("sessionId", "NOT_FOUND")],
        ),
        (
            {"input": {"sessionId": gid("TrainingSession", open_session), "contactId": "x"}},
            [("contactId", "NOT_FOUND")],
        ),
    ]
    for variables, expected in cases:
        payload = (await gql(BOOK, variables, token=token))["data"]["bookTraining"]
        assert payload["booking"] is None
        assert error_codes(payload) == expected
    assert await snapshot(session) == before


async def test_partner_books_only_its_own_contacts_and_sees_only_their_bookings(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    wales = await make.partner("wales")
    france = await make.partner("france")
    powys = await make.member("Powys County Council", partner=wales)
    strasbourg = await make.member("INET Strasbourg", partner=france, country="FR")
    ours = await make.contact(powys, email="sian@powys.example")
    theirs = await make.contact(strasbourg, email="claire@strasbourg.example")
    course_session = await train.session_of(capacity=5)
    await train.book(course_session, theirs)
    wales_token = await make.token(Role.PARTNER, partner=wales)
    before = await snapshot(session)
    foreign = (await gql(BOOK, _book(course_session, theirs), token=wales_token))["data"][
        "bookTraining"
    ]
    random_id = to_global_id("Contact", uuid.uuid4())
    missing = (
        await gql(
            BOOK,
            {
                "input": {
                    "sessionId": gid("TrainingSession", course_session),
                    "contactId": random_id,
                }
            },
            token=wales_token,
        )
    )["data"]["bookTraining"]
    assert foreign == missing
    assert foreign == {
        "booking": None,
        "userErrors": [
            {"field": "contactId", "code": "NOT_FOUND", "message": "No contact with this id."}
        ],
    }
    assert await snapshot(session) == before
    own = (await gql(BOOK, _book(course_session, ours), token=wales_token))["data"]["bookTraining"]
    assert own["booking"]["status"] == "CONFIRMED"
    listed = await gql(SESSION, {"id": gid("TrainingSession", course_session)}, token=wales_token)
    node = listed["data"]["node"]
    assert node["confirmedCount"] == 2
    assert [e["node"]["contact"]["email"] for e in node["bookings"]["edges"]] == [
        "sian@powys.example"
    ]
    their_booking = (
        await session.scalars(select(Booking.id).where(Booking.contact_id == theirs.id))
    ).one()
    hidden = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": to_global_id("Booking", their_booking)},
        token=wales_token,
    )
    assert hidden == {"data": {"node": None}}
    cancel_foreign = await gql(
        CANCEL,
        {"input": {"bookingId": to_global_id("Booking", their_booking)}},
        token=wales_token,
    )
    assert error_codes(cancel_foreign["data"]["cancelBooking"]) == [("bookingId", "NOT_FOUND")]


async def test_attendance_only_after_the_start_and_no_show_only_on_seats(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    start = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    course_session = await train.session_of(capacity=1, starts_at=start)
    people = await _people(make, 2)
    seated = await train.book(course_session, people[0])
    waiting = await train.book(course_session, people[1])
    token = await make.token(Role.STAFF)
    mark = """
    mutation($input: MarkAttendanceInput!) {
      markAttendance(input: $input) { bookings { status } userErrors { field code } }
    }"""
    early = await gql(
        mark, {"input": {"bookingIds": [gid("Booking", seated)], "attended": True}}, token=token
    )
    assert early["data"]["markAttendance"] == {
        "bookings": None,
        "userErrors": [{"field": "bookingIds", "code": "SESSION_NOT_STARTED"}],
    }
    # The session starts: move its times into the past, as the clock would.
    course_session.starts_at = start - timedelta(days=3)
    course_session.ends_at = start - timedelta(days=3) + timedelta(hours=3)
    await session.flush()
    # A waitlisted booking holds no seat: it cannot be a no-show (it may be a walk-in).
    on_list = await gql(
        mark,
        {
            "input": {
                "bookingIds": [gid("Booking", seated), gid("Booking", waiting)],
                "attended": False,
            }
        },
        token=token,
    )
    assert on_list["data"]["markAttendance"]["userErrors"] == [
        {"field": "bookingIds", "code": "NOT_CONFIRMED"}
    ]
    done = await gql(
        mark, {"input": {"bookingIds": [gid("Booking", seated)], "attended": False}}, token=token
    )
    assert done["data"]["markAttendance"] == {"bookings": [{"status": "NO_SHOW"}], "userErrors": []}
    corrected = await gql(
        mark, {"input": {"bookingIds": [gid("Booking", seated)], "attended": True}}, token=token
    )
    assert corrected["data"]["markAttendance"] == {
        "bookings": [{"status": "ATTENDED"}],
        "userErrors": [],
    }
    wales = await make.partner()
    partner_token = await make.token(Role.PARTNER, partner=wales)
    denied = await gql(
        mark,
        {"input": {"bookingIds": [gid("Booking", seated)], "attended": True}},
        token=partner_token,
    )
    assert denied["data"]["markAttendance"]["userErrors"] == [
        {"field": "bookingIds", "code": "FORBIDDEN"}
    ]


async def test_bookings_list_pages_with_contacts(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    course_session = await train.session_of(capacity=1)
    people = await _people(make, 3)
    for person in people:
        await train.book(course_session, person)
    token = await make.token(Role.STAFF)
    listing = """
    query($after: String, $filter: BookingFilter) {
      bookings(first: 2, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { status waitlistPosition contact { email } } }
      }
    }"""
    session_filter = {"sessionId": gid("TrainingSession", course_session)}
    first = (await gql(listing, {"filter": session_filter}, token=token))["data"]["bookings"]
    assert first["totalCount"] == 3
    assert [
        (e["node"]["contact"]["email"], e["node"]["status"], e["node"]["waitlistPosition"])
        for e in first["edges"]
    ] == [
        ("person0@powys.example", "CONFIRMED", None),
        ("person1@powys.example", "WAITLISTED", 1),
    ]
    rest = await gql(
        listing,
        {"filter": session_filter, "after": first["pageInfo"]["endCursor"]},
        token=token,
    )
    assert rest["data"]["bookings"]["edges"] == [
        {
            "node": {
                "status": "WAITLISTED",
                "waitlistPosition": 2,
                "contact": {"email": "person2@powys.example"},
            }
        }
    ]
    nested = await gql(
        """query($id: ID!, $after: String) { node(id: $id) { ... on TrainingSession {
             bookings(first: 1, after: $after, status: WAITLISTED) {
               edges { node { waitlistPosition contact { email } } } } } } }""",
        {"id": gid("TrainingSession", course_session), "after": first["pageInfo"]["endCursor"]},
        token=token,
    )
    assert nested["data"]["node"]["bookings"]["edges"] == [
        {"node": {"waitlistPosition": 2, "contact": {"email": "person2@powys.example"}}}
    ]
