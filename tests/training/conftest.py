"""Fixtures for the training tests: courses, sessions and bookings made through the services."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from sqlalchemy import URL, func, make_url, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import make_session_factory, utcnow
from network.models import Base
from network.training import service as training
from network.training.enums import CourseFormat
from network.training.models import Booking, Course, TrainingSession
from tests.conftest import ROOT, TEST_DATABASE_URL

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


async def count_rows(session: AsyncSession, model: Any) -> int:
    """How many rows a table holds."""
    return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


class CommittedDatabase:
    """A database of its own, built by the real migrations, for tests that need commits."""

    def __init__(self, url: str, engine: AsyncEngine) -> None:
        self.url = url
        self.engine = engine
        self.sessions = make_session_factory(engine)

    async def truncate(self) -> None:
        """Empty every table (the tests that use it start from nothing)."""
        names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        async with self.engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="module")
async def committed_db() -> AsyncIterator[CommittedDatabase]:
    """A private database (named after this process), migrated, dropped after the module."""
    url = make_url(TEST_DATABASE_URL)
    name = f"{url.database}_training_{os.getpid()}"
    private = url.set(database=name).render_as_string(hide_password=False)
    python = sys.executable
    await _run(python, str(ROOT / "scripts" / "ensure_database.py"), private, "--recreate")
    await _run(str(Path(python).parent / "network"), "migrate", database_url=private)
    # Many requests wait for a connection at once: let them wait as long as a burst lasts.
    engine = create_async_engine(private, pool_size=20, max_overflow=20, pool_timeout=300)
    try:
        yield CommittedDatabase(private, engine)
    finally:
        await engine.dispose()
        await _drop(url.set(database="postgres"), name)


async def _run(*command: str, database_url: str | None = None) -> None:
    env = {**os.environ, "DATABASE_URL": database_url} if database_url else None
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL
    )
    assert await process.wait() == 0, command


async def _drop(maintenance: URL, name: str) -> None:
    dsn = maintenance.set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()
