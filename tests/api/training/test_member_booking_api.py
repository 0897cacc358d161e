"""A member contact's token books itself and its colleagues, and cancels what it booked.

The rules (network.training.scope, network.training.bookings): a member contact books itself
or any live contact of its own member onto a session it sees (open to all, or reserved for its
member or one of its member's cohorts); it sees, and may cancel before the start, its own
bookings and the ones it made for colleagues, not every colleague's. Row-level security is on
for every request here (the app acts as the caller), so these also show it does not get in
the way.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.models import User
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from network.training.models import Booking, TrainingSession
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot
from tests.support.training import TrainingFactory

BOOK = """
mutation($input: BookTrainingInput!) {
  bookTraining(input: $input) {
    booking { id status waitlistPosition contact { email } }
    userErrors { field code message }
  }
}"""

CANCEL = """
mutation($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    booking { status }
    userErrors { field code message }
  }
}"""

BOOKINGS = """
{ bookings(first: 50) { totalCount edges { node { status waitlistPosition contact { email } } } } }
"""

SESSIONS = """
{ trainingSessions(first: 50) { edges { node { id } } } }
"""


def _book(session_row: object, contact: object) -> dict[str, object]:
    return {
        "input": {
            "sessionId": gid("TrainingSession", session_row),
            "contactId": gid("Contact", contact),
        }
    }


class Council:
    """A member with a member contact (Siân, signed in by token) and two colleagues."""

    def __init__(self, member: object, sian: object, gareth: object, rhys: object) -> None:
        self.member, self.sian, self.gareth, self.rhys = member, sian, gareth, rhys


async def _council(make: Factory) -> tuple[Council, str]:
    member = await make.member("Powys County Council")
    sian = await make.contact(member, email="sian@powys.example")
    gareth = await make.contact(member, email="gareth@powys.example")
    rhys = await make.contact(member, email="rhys@powys.example")
    token = await make.token(Role.MEMBER, contact=sian)
    return Council(member, sian, gareth, rhys), token


async def test_a_member_contact_books_itself_and_a_colleague(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    run = await train.session_of(capacity=1)
    mine = await gql(BOOK, _book(run, council.sian), token=token)
    assert mine["data"]["bookTraining"]["userErrors"] == []
    assert mine["data"]["bookTraining"]["booking"]["status"] == "CONFIRMED"
    theirs = await gql(BOOK, _book(run, council.gareth), token=token)
    booking = theirs["data"]["bookTraining"]["booking"]
    assert theirs["data"]["bookTraining"]["userErrors"] == []
    assert booking["status"] == "WAITLISTED"
    assert booking["waitlistPosition"] == 1
    assert booking["contact"] is None  # a member contact reads only its own contact
    # Booked by the member contact's user, audited, and Gareth is owed the waiting-list email.
    row = (
        await session.scalars(select(Booking).where(Booking.contact_id == council.gareth.id))
    ).one()
    user_id = await session.scalar(select(User.id).where(User.contact_id == council.sian.id))
    assert row.booked_by_user_id == user_id
    events = (
        await session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == row.id))
    ).all()
    assert events == ["booking.created"]
    owed = (
        await session.scalars(
            select(OutboxMessage.to_email).where(OutboxMessage.contact_id == council.gareth.id)
        )
    ).all()
    assert owed == ["gareth@powys.example"]


async def test_another_members_contact_is_not_found_and_nothing_changes(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    _, token = await _council(make)
    stranger = await make.contact(await make.member("Sandwell MBC"))
    run = await train.session_of()
    await session.commit()
    before = await snapshot(session)
    body = await gql(BOOK, _book(run, stranger), token=token)
    assert error_codes(body["data"]["bookTraining"]) == [("contactId", "NOT_FOUND")]
    assert body["data"]["bookTraining"]["booking"] is None
    assert await snapshot(session) == before


async def test_reserved_sessions_are_bookable_only_by_those_they_are_for(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    other = await make.member("Kent CC")
    cohort = await make.cohort("Cymru cohort", members=[council.member])
    ours = await train.session_of(reserved_member_id=council.member.id)
    our_cohort = await train.session_of(reserved_cohort_id=cohort.id)
    theirs = await train.session_of(reserved_member_id=other.id)
    open_to_all = await train.session_of()
    listed = await gql(SESSIONS, token=token)
    ids = {e["node"]["id"] for e in listed["data"]["trainingSessions"]["edges"]}
    assert {gid("TrainingSession", r) for r in (ours, our_cohort, open_to_all)} <= ids
    assert gid("TrainingSession", theirs) not in ids
    for run in (ours, our_cohort):
        body = await gql(BOOK, _book(run, council.rhys), token=token)
        assert body["data"]["bookTraining"]["userErrors"] == [], body
    body = await gql(BOOK, _book(theirs, council.rhys), token=token)
    assert error_codes(body["data"]["bookTraining"]) == [("sessionId", "NOT_FOUND")]


async def test_closed_cancelled_archived_and_doubled_are_refused(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    closed = await train.session_of(booking_deadline=utcnow() + timedelta(seconds=1))
    run = await train.session_of()
    await train.book(run, council.gareth)
    archived = await make.contact(council.member, email="owain@powys.example")
    await contact_cases.archive_contact(session, SYSTEM, archived.id)
    body = await gql(BOOK, _book(run, council.gareth), token=token)
    assert error_codes(body["data"]["bookTraining"]) == [("contactId", "ALREADY_BOOKED")]
    body = await gql(BOOK, _book(run, archived), token=token)
    assert error_codes(body["data"]["bookTraining"]) == [("contactId", "ARCHIVED")]
    # The deadline passes.
    await session.execute(
        TrainingSession.__table__.update()
        .where(TrainingSession.id == closed.id)
        .values(booking_deadline=utcnow() - timedelta(minutes=1))
    )
    body = await gql(BOOK, _book(closed, council.sian), token=token)
    assert error_codes(body["data"]["bookTraining"]) == [("sessionId", "BOOKING_CLOSED")]


async def test_sees_its_own_bookings_and_those_it_made_not_every_colleagues(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    council, token = await _council(make)
    run = await train.session_of(capacity=1)
    await train.book(run, council.rhys)  # booked by staff: Rhys's own business
    await gql(BOOK, _book(run, council.sian), token=token)
    await gql(BOOK, _book(run, council.gareth), token=token)
    body = await gql(BOOKINGS, token=token)
    seen = {
        (
            (e["node"]["contact"] or {}).get("email"),
            e["node"]["status"],
            e["node"]["waitlistPosition"],
        )
        for e in body["data"]["bookings"]["edges"]
    }
    assert seen == {
        ("sian@powys.example", "WAITLISTED", 1),
        (None, "WAITLISTED", 2),  # Gareth's, which it made: his contact is not its to read
    }


CONTACT_DETAILS = """
{ bookings(first: 50) { edges { node {
    contact { email jobTitle archivedAt emailOptOuts }
} } } }
"""


async def test_a_colleagues_contact_is_not_read_through_the_booking(
    gql: GraphQL, make: Factory, train: TrainingFactory
) -> None:
    """A member contact may read its colleagues' rows since 0014, but not through a booking:
    the booking's contact goes through the contacts scope (itself only)."""
    council, token = await _council(make)
    run = await train.session_of(capacity=5)
    await gql(BOOK, _book(run, council.sian), token=token)
    await gql(BOOK, _book(run, council.gareth), token=token)
    body = await gql(CONTACT_DETAILS, token=token)
    assert "errors" not in body
    contacts = [e["node"]["contact"] for e in body["data"]["bookings"]["edges"]]
    assert len(contacts) == 2
    assert None in contacts
    assert [c["email"] for c in contacts if c is not None] == ["sian@powys.example"]
    # Staff still read every booked contact.
    staff = await gql(CONTACT_DETAILS, token=await make.token(Role.STAFF))
    emails = {e["node"]["contact"]["email"] for e in staff["data"]["bookings"]["edges"]}
    assert emails == {"sian@powys.example", "gareth@powys.example"}


async def test_cancels_its_own_and_those_it_made_and_the_first_waiting_is_promoted(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    outsider = await make.contact(await make.member("Kent CC"), email="kim@kent.example")
    run = await train.session_of(capacity=1)
    made = await gql(BOOK, _book(run, council.gareth), token=token)
    gareth_booking = made["data"]["bookTraining"]["booking"]["id"]
    waiting = await train.book(run, outsider)  # another member's contact waits
    own = await gql(BOOK, _book(run, council.sian), token=token)
    own_booking = own["data"]["bookTraining"]["booking"]["id"]
    body = await gql(CANCEL, {"input": {"bookingId": gareth_booking}}, token=token)
    assert body["data"]["cancelBooking"] == {"booking": {"status": "CANCELLED"}, "userErrors": []}
    await session.refresh(waiting)
    assert waiting.status.value == "CONFIRMED"  # promoted, with its email owed
    owed = (
        await session.scalars(
            select(OutboxMessage.template).where(OutboxMessage.contact_id == outsider.id)
        )
    ).all()
    assert len(owed) == 2  # waitlisted, then promoted
    body = await gql(CANCEL, {"input": {"bookingId": own_booking}}, token=token)
    assert body["data"]["cancelBooking"]["userErrors"] == []


async def test_a_colleagues_own_booking_is_not_found_to_cancel(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    run = await train.session_of()
    theirs = await train.book(run, council.rhys)
    await session.commit()
    before = await snapshot(session)
    body = await gql(CANCEL, {"input": {"bookingId": gid("Booking", theirs)}}, token=token)
    assert error_codes(body["data"]["cancelBooking"]) == [("bookingId", "NOT_FOUND")]
    assert await snapshot(session) == before


async def test_cannot_cancel_after_the_start(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    council, token = await _council(make)
    start = utcnow() + timedelta(hours=2)
    run = await train.session_of(starts_at=start)
    made = await gql(BOOK, _book(run, council.sian), token=token)
    booking_id = made["data"]["bookTraining"]["booking"]["id"]
    await session.execute(
        TrainingSession.__table__.update()
        .where(TrainingSession.id == run.id)
        .values(starts_at=utcnow() - timedelta(minutes=5))
    )
    body = await gql(CANCEL, {"input": {"bookingId": booking_id}}, token=token)
    assert error_codes(body["data"]["cancelBooking"]) == [("bookingId", "SESSION_STARTED")]


async def test_a_partners_cancellation_promotes_another_partners_contact(
    gql: GraphQL, make: Factory, train: TrainingFactory, session: AsyncSession
) -> None:
    """The promoted contact is owed an email though the partner may not see it (its row is
    read past row-level security for the email only)."""
    wales, france = await make.partner(), await make.partner()
    ours = await make.contact(await make.member(partner=wales))
    theirs = await make.contact(await make.member(partner=france, country="FR"))
    run = await train.session_of(capacity=1)
    booking = await train.book(run, ours)
    waiting = await train.book(run, theirs)
    token = await make.token(Role.PARTNER, partner=wales)
    body = await gql(CANCEL, {"input": {"bookingId": gid("Booking", booking)}}, token=token)
    assert body["data"]["cancelBooking"] == {"booking": {"status": "CANCELLED"}, "userErrors": []}
    await session.refresh(waiting)
    assert waiting.status.value == "CONFIRMED"
    owed = (
        await session.scalars(
            select(OutboxMessage.template).where(OutboxMessage.contact_id == theirs.id)
        )
    ).all()
    assert len(owed) == 2  # waitlisted, then promoted
