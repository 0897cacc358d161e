"""200 concurrent bookTraining requests for 20 seats, on committed data and many connections."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from network.app import create_app
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.config import Settings
from network.contacts.models import Contact
from network.db import unit_of_work, utcnow
from network.kit.enums import Network, Role
from network.kit.ids import to_global_id
from network.members.models import Member
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat
from network.training.models import Booking
from tests.support.training import CommittedDatabase

PEOPLE = 200
SEATS = 20

BOOK = """
mutation($input: BookTrainingInput!) {
  bookTraining(input: $input) {
    booking { status waitlistPosition }
    userErrors { field code message }
  }
}"""


async def _seed(db: CommittedDatabase) -> tuple[str, uuid.UUID, list[uuid.UUID]]:
    """A staff token, a session with SEATS seats and PEOPLE contacts, committed."""
    await db.truncate()
    async with unit_of_work(db.sessions) as session:
        member = Member(name="Sandwell MBC", network=Network.CITIZEN_POWERED_COUNCIL, country="GB")
        session.add(member)
        await session.flush()
        people = [
            Contact(
                member_id=member.id,
                email=f"person{n:03d}@sandwell.example",
                first_name="Person",
                last_name=f"{n:03d}",
                language="en",
            )
            for n in range(PEOPLE)
        ]
        session.add_all(people)
        course = await training.create_course(
            session,
            SYSTEM,
            title="Outcome-Based Commissioning",
            format=CourseFormat.ONE_DAY,
            cpd_hours=6,
            cpd_certified=True,
        )
        start = (utcnow() + timedelta(days=20)).replace(microsecond=0)
        course_session = await training.create_training_session(
            session,
            SYSTEM,
            course_id=course.id,
            starts_at=start,
            ends_at=start + timedelta(hours=6),
            time_zone="Europe/London",
            language="en",
            capacity=SEATS,
            venue="Sandwell Council House",
        )
        await auth.create_user(
            session, SYSTEM, email="staff@example.org", name="Staff", role=Role.STAFF
        )
        await session.flush()
        token = await auth.create_token(session, SYSTEM, "staff@example.org")
    return token, course_session.id, [p.id for p in people]


@pytest.fixture
async def api(committed_db: CommittedDatabase) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=committed_db.url, base_url="http://testserver")
    app = create_app(settings, session_factory=committed_db.sessions)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=120
        ) as client:
            yield client


@pytest.mark.slow
async def test_200_concurrent_bookings_on_20_seats(
    committed_db: CommittedDatabase, api: httpx.AsyncClient
) -> None:
    token, session_id, people = await _seed(committed_db)
    headers = {"Authorization": f"Bearer {token}"}

    async def book(contact_id: uuid.UUID) -> dict[str, Any]:
        variables = {
            "input": {
                "sessionId": to_global_id("TrainingSession", session_id),
                "contactId": to_global_id("Contact", contact_id),
            }
        }
        response = await api.post(
            "/graphql", json={"query": BOOK, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    answers = await asyncio.gather(*(book(person) for person in people))

    assert [a.get("errors") for a in answers] == [None] * PEOPLE
    payloads = [a["data"]["bookTraining"] for a in answers]
    assert [p["userErrors"] for p in payloads] == [[]] * PEOPLE
    statuses = Counter(p["booking"]["status"] for p in payloads)
    assert statuses == {"CONFIRMED": SEATS, "WAITLISTED": PEOPLE - SEATS}
    positions = sorted(
        p["booking"]["waitlistPosition"] for p in payloads if p["booking"]["status"] == "WAITLISTED"
    )
    assert positions == list(range(1, PEOPLE - SEATS + 1))
    assert all(
        p["booking"]["waitlistPosition"] is None
        for p in payloads
        if p["booking"]["status"] == "CONFIRMED"
    )
    async with committed_db.sessions() as session:
        stored = (
            await session.execute(select(Booking.status, func.count()).group_by(Booking.status))
        ).all()
        assert dict(stored) == {
            BookingStatus.CONFIRMED: SEATS,
            BookingStatus.WAITLISTED: PEOPLE - SEATS,
        }
        booked = (await session.scalars(select(Booking.contact_id))).all()
        assert sorted(booked) == sorted(people)
