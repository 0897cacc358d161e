"""A hypothesis state machine of random book / cancel / change-capacity sequences.

Each step runs the real services on the real PostgreSQL (one transaction per example, rolled
back at the end; each operation in a savepoint, undone on a user error, as a mutation would
be) and is compared with a model of the rules: seats go in booking order, a freed seat goes
to the first on the waiting list, raising the capacity promotes as many as fit, lowering it
below the seats taken is refused. After every step: no more seats taken than the capacity,
and no empty seat while someone waits.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import PRINCIPAL, make_engine, utcnow
from network.kit.enums import Network
from network.kit.errors import DomainError
from network.members.models import Member
from network.training import service as training
from network.training.enums import BookingStatus, CourseFormat
from network.training.models import Booking
from tests.support.config import TEST_DATABASE_URL

T = TypeVar("T")
PEOPLE = 8


@dataclass
class Modelled:
    """What the rules say one booking should be."""

    contact: int
    status: str


class Harness:
    """An event loop and a connection of their own (hypothesis drives synchronous rules)."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()
        self.engine: AsyncEngine = self.run(self._engine())

    async def _engine(self) -> AsyncEngine:
        return make_engine(TEST_DATABASE_URL, pool_size=1)

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coroutine)

    def close(self) -> None:
        self.run(self.engine.dispose())
        self.runner.close()


# One loop and one engine for the whole run of the machine (made on first use).
HARNESS: dict[str, Harness] = {}


def harness() -> Harness:
    if "current" not in HARNESS:
        HARNESS["current"] = Harness()
    return HARNESS["current"]


class WaitingList(RuleBasedStateMachine):
    """Random sequences of bookings, cancellations and capacity changes on one session."""

    def __init__(self) -> None:
        super().__init__()
        self.h = harness()
        self.connection: AsyncConnection | None = None
        self.session: AsyncSession | None = None
        self.capacity = 0
        self.session_id = uuid.uuid4()
        self.contacts: list[uuid.UUID] = []
        self.bookings: list[uuid.UUID] = []  # booking order
        self.model: list[Modelled] = []

    # -- set-up and tear-down ------------------------------------------------------------

    @initialize(capacity=st.integers(min_value=1, max_value=4))
    def open_session(self, capacity: int) -> None:
        self.capacity = capacity
        self.h.run(self._open(capacity))

    async def _open(self, capacity: int) -> None:
        self.connection = await self.h.engine.connect()
        await self.connection.begin()
        self.session = AsyncSession(
            bind=self.connection,
            join_transaction_mode="create_savepoint",
            autoflush=False,
            info={PRINCIPAL: SYSTEM},  # the system, as row-level security sees it
        )
        member = Member(
            name="Midlothian Council", network=Network.CITIZEN_POWERED_COUNCIL, country="GB"
        )
        self.session.add(member)
        await self.session.flush()
        people = [
            Contact(
                member_id=member.id,
                email=f"p{n}@midlothian.example",
                first_name="P",
                last_name=str(n),
            )
            for n in range(PEOPLE)
        ]
        self.session.add_all(people)
        course = await training.create_course(
            self.session,
            SYSTEM,
            title="Co-Production Star briefing",
            format=CourseFormat.HALF_DAY,
            cpd_hours=0,
            cpd_certified=False,
        )
        start = utcnow() + timedelta(days=10)
        created = await training.create_training_session(
            self.session,
            SYSTEM,
            course_id=course.id,
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            time_zone="Europe/London",
            language="en",
            capacity=capacity,
            venue="Dalkeith",
        )
        self.session_id = created.id
        self.contacts = [p.id for p in people]

    def teardown(self) -> None:
        if self.connection is not None:
            self.h.run(self._close())

    async def _close(self) -> None:
        assert self.session is not None and self.connection is not None
        await self.session.close()
        await self.connection.rollback()
        await self.connection.close()

    async def _attempt(self, operation: Any) -> bool:
        """Run one operation in a savepoint; False (and nothing kept) on a user error."""
        assert self.session is not None
        savepoint = await self.session.begin_nested()
        try:
            await operation(self.session)
        except DomainError:
            await savepoint.rollback()
            return False
        await savepoint.commit()
        return True

    # -- the model -------------------------------------------------------------------------

    def _taken(self) -> int:
        return sum(1 for b in self.model if b.status == BookingStatus.CONFIRMED)

    def _promote(self) -> None:
        for booking in self.model:
            if self._taken() >= self.capacity:
                return
            if booking.status == BookingStatus.WAITLISTED:
                booking.status = BookingStatus.CONFIRMED

    def _live(self, contact: int) -> bool:
        return any(b.contact == contact and b.status != BookingStatus.CANCELLED for b in self.model)

    # -- rules -----------------------------------------------------------------------------

    @rule(person=st.integers(min_value=0, max_value=PEOPLE - 1))
    def book(self, person: int) -> None:
        contact_id = self.contacts[person]
        created: list[uuid.UUID] = []

        async def operation(session: AsyncSession) -> None:
            booking = await training.book_training(
                session, SYSTEM, session_id=self.session_id, contact_id=contact_id
            )
            created.append(booking.id)

        accepted = self.h.run(self._attempt(operation))
        assert accepted is not self._live(person)  # refused exactly when already booked
        if accepted:
            status = (
                BookingStatus.CONFIRMED
                if self._taken() < self.capacity
                else BookingStatus.WAITLISTED
            )
            self.model.append(Modelled(person, status))
            self.bookings.append(created[0])

    @precondition(lambda self: bool(self.bookings))
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(min_value=0, max_value=len(self.bookings) - 1))
        booking_id = self.bookings[index]

        async def operation(session: AsyncSession) -> None:
            await training.cancel_booking(session, SYSTEM, booking_id=booking_id)

        accepted = self.h.run(self._attempt(operation))
        modelled = self.model[index]
        assert accepted is (modelled.status != BookingStatus.CANCELLED)
        if accepted:
            had_seat = modelled.status == BookingStatus.CONFIRMED
            modelled.status = BookingStatus.CANCELLED
            if had_seat:
                self._promote()

    @rule(capacity=st.integers(min_value=1, max_value=6))
    def change_capacity(self, capacity: int) -> None:
        async def operation(session: AsyncSession) -> None:
            await training.update_training_session(
                session, SYSTEM, self.session_id, capacity=capacity
            )

        accepted = self.h.run(self._attempt(operation))
        assert accepted is (capacity >= self._taken())
        if accepted:
            self.capacity = capacity
            self._promote()

    # -- invariants --------------------------------------------------------------------------

    async def _stored(self) -> list[tuple[uuid.UUID, str]]:
        assert self.session is not None
        rows = await self.session.execute(
            select(Booking.id, Booking.status)
            .where(Booking.session_id == self.session_id)
            .order_by(Booking.queue_number)
        )
        return [(booking_id, status.value) for booking_id, status in rows.all()]

    @invariant()
    def matches_the_model(self) -> None:
        if self.session is None:
            return
        stored = self.h.run(self._stored())
        assert stored == [
            (booking_id, modelled.status)
            for booking_id, modelled in zip(self.bookings, self.model, strict=True)
        ]
        statuses = [status for _, status in stored]
        taken = statuses.count(BookingStatus.CONFIRMED)
        waiting = statuses.count(BookingStatus.WAITLISTED)
        assert taken <= self.capacity
        assert waiting == 0 or taken == self.capacity


WaitingList.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.mark.slow
def test_waiting_list_rules_hold_for_random_sequences() -> None:
    try:
        WaitingList.TestCase().runTest()
    finally:
        if "current" in HARNESS:
            HARNESS.pop("current").close()
