"""The certificate sweep: attendance marked during a session is certified after its end, by a
cron registered like the others; a second pass issues nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.config import Settings
from network.db import acting, utcnow
from network.kit.owed import Job, take_owed
from network.usecases import attendance
from tests.support.factories import Factory
from tests.support.training import TrainingFactory
from workers.certificates import sweep_due
from workers.main import settings_for


async def _nothing(session: AsyncSession) -> None:
    return None


def test_the_sweep_is_a_cron_every_certificate_sweep_seconds(settings: Settings) -> None:
    every_15 = settings.model_copy(update={"certificate_sweep_seconds": 15})
    crons = {c.name: c for c in settings_for(every_15)["cron_jobs"]}
    sweep = crons[Job.ISSUE_DUE_CERTIFICATES.value]
    assert sweep.second == {0, 15, 30, 45}


async def test_attendance_marked_during_the_session_is_certified_by_the_sweep_after_it(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    train: TrainingFactory,
) -> None:
    row = await train.session_of(capacity=5)
    member = await make.member()
    bookings = [await train.book(row, await make.contact(member)) for _ in range(2)]
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    row.starts_at, row.ends_at = start, start + timedelta(hours=3)
    await session.flush()
    await attendance.mark_attendance(
        session, SYSTEM, booking_ids=[b.id for b in bookings], attended=True
    )
    assert take_owed(session, Job.ISSUE_CERTIFICATES) == []  # nothing owed before the end
    await session.commit()

    with acting(SYSTEM):  # as the worker runs
        during = start + timedelta(hours=1)
        assert await sweep_due(session_factory, now=during, after_commit=_nothing) == 0
        after = start + timedelta(hours=3, seconds=1)
        assert await sweep_due(session_factory, now=after, after_commit=_nothing) == 2
        assert await sweep_due(session_factory, now=after, after_commit=_nothing) == 0
    count = await session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.session_id == row.id)
    )
    assert count == 2
