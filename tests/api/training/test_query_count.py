"""Listing sessions with their bookings costs a fixed number of SQL statements (DataLoaders)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Network, Role
from network.members.models import Member
from network.training.enums import BookingStatus, CourseFormat
from network.training.models import Booking, Course, TrainingSession
from tests.support.app import GraphQL
from tests.support.database import StatementCounter
from tests.support.factories import Factory

SESSIONS = 100
BOOKINGS_PER_SESSION = 4
PAGE_QUERY = """
query($first: Int) {
  trainingSessions(first: $first) {
    totalCount
    edges {
      node {
        startsAt seatsLeft confirmedCount waitlistCount icsUrl
        course { title cpdHours }
        bookings(first: 10) {
          totalCount
          edges { node { status waitlistPosition contact { email } } }
        }
      }
    }
  }
}"""

# The token lookup, the sessions page, its totalCount, the seat counts, the bookings with
# their contacts (rows, and counts per session) and the courses: seven queries, plus the
# savepoint the request's session opens and rolls back inside the test's transaction, plus the
# two statements naming the caller for row-level security (network.db: as the transaction
# begins, and once the token is known).
STATEMENTS = 11


async def _dataset(session: AsyncSession) -> None:
    member_id = uuid.uuid4()
    await session.execute(
        insert(Member),
        [
            {
                "id": member_id,
                "name": "Kent County Council",
                "network": Network.CITIZEN_POWERED_COUNCIL,
                "country": "GB",
            }
        ],
    )
    contacts = [
        {
            "id": uuid.uuid4(),
            "member_id": member_id,
            "email": f"learner{n}@kent.example",
            "first_name": "Learner",
            "last_name": str(n),
            "language": "en",
        }
        for n in range(BOOKINGS_PER_SESSION)
    ]
    await session.execute(insert(Contact), contacts)
    courses = [
        {
            "id": uuid.uuid4(),
            "title": f"Course {n}",
            "format": CourseFormat.ONE_DAY,
            "cpd_hours": Decimal(6),
            "cpd_certified": True,
        }
        for n in range(3)
    ]
    await session.execute(insert(Course), courses)
    start = utcnow() + timedelta(days=40)
    sessions = [
        {
            "id": uuid.uuid4(),
            "course_id": courses[n % 3]["id"],
            "starts_at": start + timedelta(hours=n),
            "ends_at": start + timedelta(hours=n + 3),
            "time_zone": "Europe/London",
            "language": "en",
            "venue": "Maidstone",
            "capacity": 3,
        }
        for n in range(SESSIONS)
    ]
    await session.execute(insert(TrainingSession), sessions)
    await session.execute(
        insert(Booking),
        [
            {
                "id": uuid.uuid4(),
                "session_id": s["id"],
                "contact_id": c["id"],
                "status": BookingStatus.CONFIRMED if k < 3 else BookingStatus.WAITLISTED,
            }
            for s in sessions
            for k, c in enumerate(contacts)
        ],
    )


async def test_listing_sessions_with_bookings_costs_the_same_for_any_page_size(
    gql: GraphQL,
    make: Factory,
    session: AsyncSession,
    count_statements: Callable[[], StatementCounter],
) -> None:
    await _dataset(session)
    token = await make.token(Role.STAFF)
    await gql("query { viewer { email } }", token=token)  # warm caches outside the count
    counter = count_statements()
    counts = {}
    for first in (10, 100):
        counter.reset()
        result = await gql(PAGE_QUERY, {"first": first}, token=token)
        assert "errors" not in result
        edges = result["data"]["trainingSessions"]["edges"]
        assert len(edges) == first
        assert edges[0]["node"]["bookings"]["totalCount"] == BOOKINGS_PER_SESSION
        assert [e["node"]["waitlistPosition"] for e in edges[-1]["node"]["bookings"]["edges"]] == [
            None,
            None,
            None,
            1,
        ]
        assert (edges[0]["node"]["seatsLeft"], edges[0]["node"]["waitlistCount"]) == (0, 1)
        counts[first] = counter.count
    assert counts == {10: STATEMENTS, 100: STATEMENTS}
