"""Marking attendance enqueues the issuing job after the commit; the job is idempotent."""

from __future__ import annotations

from arq.jobs import Job
from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.certificates.models import Certificate
from network.config import Settings
from network.db import acting
from network.kit.enums import Role
from network.kit.owed import Job as JobName
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.training import Attended
from workers.certificates import issue_owed

MARK = """
mutation($input: MarkAttendanceInput!) {
  markAttendance(input: $input) { bookings { status } userErrors { field code } }
}"""


async def _nothing(session: AsyncSession) -> None:
    return None


async def test_attendance_enqueues_the_job_and_the_job_issues_once(
    gql: GraphQL,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    attended: Attended,
    settings: Settings,
) -> None:
    member = await make.member()
    people = await attended.contacts(member, 2)
    training_session = await attended.session_with(people, mark=False)
    ids = sorted(str(b.id) for b in attended.bookings)
    staff = await make.token(Role.STAFF)
    redis = Redis.from_url(settings.redis_url)
    try:
        before = set(await redis.zrange(settings.worker_queue_name, 0, -1))
        done = await gql(
            MARK,
            {
                "input": {
                    "bookingIds": [gid("Booking", b) for b in attended.bookings],
                    "attended": True,
                }
            },
            token=staff,
        )
        assert done["data"]["markAttendance"]["userErrors"] == []
        new = set(await redis.zrange(settings.worker_queue_name, 0, -1)) - before
        infos = [
            await Job(raw.decode(), redis, _queue_name=settings.worker_queue_name).info()
            for raw in new
        ]
        jobs = [(i.function, sorted(i.args[0])) for i in infos if i is not None]
        assert jobs == [(JobName.ISSUE_CERTIFICATES, ids)]
        if new:
            await redis.zrem(settings.worker_queue_name, *new)
    finally:
        await redis.aclose()

    with acting(SYSTEM):  # as the worker runs
        assert await issue_owed(session_factory, ids, after_commit=_nothing) == 2
        assert await issue_owed(session_factory, ids, after_commit=_nothing) == 0
    count = await session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.session_id == training_session.id)
    )
    assert count == 2
