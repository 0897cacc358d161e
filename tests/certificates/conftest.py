"""Fixtures for the certificate tests: sessions whose attendees have been marked ATTENDED."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import utcnow
from network.members.models import Member
from network.training import service as training
from network.training.models import Booking, TrainingSession
from tests.factories import Factory
from tests.training.conftest import TrainingFactory


class Attended:
    """Makes a CPD session in the past whose given contacts attended it."""

    def __init__(self, session: AsyncSession, make: Factory) -> None:
        self.session = session
        self.make = make
        self.train = TrainingFactory(session)
        self.bookings: list[Booking] = []

    async def contacts(self, member: Member, count: int, **kw: object) -> list[Contact]:
        return [await self.make.contact(member, **kw) for _ in range(count)]

    async def session_with(
        self,
        people: list[Contact],
        *,
        title: str = "Co-Production Star training",
        mark: bool = True,
        **kw: object,
    ) -> TrainingSession:
        course = await self.train.course(title, cpd_hours=kw.get("cpd_hours", 6))
        start = (utcnow() + timedelta(days=10)).replace(microsecond=0)
        row = await self.train.session_of(course, capacity=max(len(people), 1), starts_at=start)
        bookings = [await self.train.book(row, person) for person in people]
        row.starts_at = utcnow().replace(microsecond=0) - timedelta(days=2)
        row.ends_at = row.starts_at + timedelta(hours=6)
        await self.session.flush()
        self.bookings = bookings
        if bookings and mark:
            await training.mark_attendance(
                self.session, SYSTEM, booking_ids=[b.id for b in bookings], attended=True
            )
        return row


@pytest.fixture
async def attended(session: AsyncSession, make: Factory) -> Attended:
    return Attended(session, make)
