"""Sign-in emails asked for through the API or the portal are owed as arq jobs: these helpers
find them in the test queue and run them as the worker would, on the test's transaction."""

from __future__ import annotations

from arq.connections import ArqRedis
from arq.jobs import JobDef
from redis.asyncio import ConnectionPool
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.db import acting
from network.kit.owed import Job
from tests.support.app import TEST_QUEUE
from tests.support.config import REDIS_URL
from workers.signin import send_login_link_for, send_password_reset_for

ASKED = {Job.SEND_LOGIN_LINK.value, Job.SEND_PASSWORD_RESET.value}


async def asked_jobs(address: str | None = None, *, queue: str = TEST_QUEUE) -> list[JobDef]:
    """The sign-in email jobs waiting in `queue` (those for `address` only, if given)."""
    redis = ArqRedis(ConnectionPool.from_url(REDIS_URL))
    try:
        jobs = await redis.queued_jobs(queue_name=queue)
    finally:
        await redis.aclose(close_connection_pool=True)
    return [
        job for job in jobs if job.function in ASKED and (address is None or job.args[1] == address)
    ]


async def run_asked_jobs(
    sessions: async_sessionmaker[AsyncSession], address: str, *, queue: str = TEST_QUEUE
) -> int:
    """Run the waiting sign-in email jobs for `address` and take them off the queue; how many."""
    jobs = await asked_jobs(address, queue=queue)
    for job in jobs:
        run = (
            send_login_link_for if job.function == Job.SEND_LOGIN_LINK else send_password_reset_for
        )
        with acting(SYSTEM):  # as the worker's sessions do
            await run(sessions, *job.args)
    redis = ArqRedis(ConnectionPool.from_url(REDIS_URL))
    try:
        for job in jobs:
            await redis.zrem(queue, job.job_id or "")
            await redis.delete(f"arq:job:{job.job_id}")
    finally:
        await redis.aclose(close_connection_pool=True)
    return len(jobs)
