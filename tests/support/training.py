"""Training rows made through the services: courses, sessions, bookings, attended sessions, and
a database of its own for the concurrency tests."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import make_session_factory, utcnow
from network.members.models import Member
from network.training import service as training
from network.training.enums import CourseFormat
from network.training.models import Booking, Course, TrainingSession
from network.usecases import attendance
from tests.support.database import database_of_its_own, empty_every_table
from tests.support.factories import Factory

_seq = itertools.count(1)


class TrainingFactory:
    """Creates courses, sessions and bookings inside the test's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def course(self, title: str | None = None, **kw: Any) -> Course:
        return await training.create_course(
            self.session,
            SYSTEM,
            title=title or f"Co-Production Star training {next(_seq)}",
            format=kw.get("format", CourseFormat.ONE_DAY),
            cpd_hours=kw.get("cpd_hours", 6),
            cpd_certified=kw.get("cpd_certified", True),
            description=kw.get("description"),
        )

    async def session_of(
        self,
        course: Course | None = None,
        *,
        capacity: int = 10,
        starts_at: datetime | None = None,
        hours: float = 3,
        time_zone: str = "Europe/London",
        language: str = "en",
        booking_deadline: datetime | None = None,
        venue: str | None = "Council Chamber, Llandrindod Wells",
        online_url: str | None = None,
        now: datetime | None = None,
        **kw: Any,
    ) -> TrainingSession:
        course = course or await self.course()
        start = starts_at or (utcnow() + timedelta(days=30)).replace(microsecond=0)
        return await training.create_training_session(
            self.session,
            SYSTEM,
            course_id=course.id,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            time_zone=time_zone,
            language=language,
            capacity=capacity,
            booking_deadline=booking_deadline,
            venue=venue,
            online_url=online_url,
            trainer=kw.get("trainer", "Jo Trainer"),
            reserved_cohort_id=kw.get("reserved_cohort_id"),
            reserved_member_id=kw.get("reserved_member_id"),
            now=now,
        )

    async def book(
        self, session_row: TrainingSession, contact: Contact, now: datetime | None = None
    ) -> Booking:
        return await training.book_training(
            self.session, SYSTEM, session_id=session_row.id, contact_id=contact.id, now=now
        )


@pytest.fixture
async def train(session: AsyncSession) -> TrainingFactory:
    return TrainingFactory(session)


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
            await attendance.mark_attendance(
                self.session, SYSTEM, booking_ids=[b.id for b in bookings], attended=True
            )
        return row


@pytest.fixture
async def attended(session: AsyncSession, make: Factory) -> Attended:
    return Attended(session, make)


class CommittedDatabase:
    """A database of its own, built by the real migrations, for tests that need commits."""

    def __init__(self, url: str, engine: AsyncEngine) -> None:
        self.url = url
        self.engine = engine
        self.sessions = make_session_factory(engine, principal=SYSTEM)

    async def truncate(self) -> None:
        """Empty every table (the tests that use it start from nothing)."""
        await empty_every_table(self.engine, restart_identity=True)


@pytest.fixture(scope="module")
async def committed_db() -> AsyncIterator[CommittedDatabase]:
    """A database of its own for the module, migrated, dropped after it."""
    with database_of_its_own("training") as url:
        # Many requests wait for a connection at once: let them wait as long as a burst lasts.
        engine = create_async_engine(url, pool_size=20, max_overflow=20, pool_timeout=300)
        try:
            yield CommittedDatabase(url, engine)
        finally:
            await engine.dispose()
