"""Enqueueing jobs by name on arq's queue, shared by every face (API, portal, CLI, workers).

Nothing here is a guarantee: arq delivers at least once and a job can be lost with Redis.
Jobs are hints to do work now; correctness lives in PostgreSQL (see network/messaging), and
the worker's sweep finds whatever a lost job left behind. So enqueueing never fails the
caller: a Redis error is logged and the sweep catches up.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis
from redis.asyncio import ConnectionPool
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from network.config import Settings
from network.kit.owed import Job, take_all_asks, take_all_owed

logger = logging.getLogger("network.jobs")


def outbox_job_id(first_id: uuid.UUID, attempts: int = 0) -> str:
    """The job id of a delivery batch: its first message's id and that message's attempt.

    The same batch enqueued twice (an API retry, a sweep) is one job; a later attempt of the
    same message gets a new id, because arq refuses a job id whose result it still holds.
    """
    return f"outbox:{first_id}:{attempts}"


def arq_redis(settings: Settings) -> ArqRedis:
    """arq's client on REDIS_URL with connect and read timeouts (arq's own `create_pool` sets
    only a connect timeout), for the API's queue and the worker alike: a missing or hanging
    Redis fails a call in `redis_timeout_seconds` instead of holding it forever. Nothing of
    ours or arq's blocks on a Redis command (the worker polls), so no call waits longer."""
    pool = ConnectionPool.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout_seconds,
        socket_timeout=settings.redis_timeout_seconds,
    )
    return ArqRedis(pool, default_queue_name=settings.worker_queue_name)


class JobQueue:
    """A thin facade over arq's Redis pool: enqueue by name, never import workers/."""

    def __init__(self, redis: ArqRedis, *, queue_name: str, batch_size: int) -> None:
        self.redis = redis
        self.queue_name = queue_name
        self.batch_size = batch_size

    @classmethod
    def from_settings(cls, settings: Settings) -> JobQueue:
        """A queue on REDIS_URL; connects lazily, so a missing Redis does not stop startup."""
        return cls(
            arq_redis(settings),
            queue_name=settings.worker_queue_name,
            batch_size=settings.outbox_batch_size,
        )

    async def close(self) -> None:
        """Close the Redis connections."""
        await self.redis.aclose(close_connection_pool=True)

    async def enqueue(
        self,
        function: Job,
        *args: Any,
        job_id: str | None = None,
        defer_until: datetime | None = None,
    ) -> bool:
        """Enqueue one job; False when arq already holds a job with this id or Redis failed."""
        try:
            job = await self.redis.enqueue_job(
                function.value,
                *args,
                _job_id=job_id,
                _queue_name=self.queue_name,
                _defer_until=defer_until,
            )
        except (RedisError, OSError) as exc:
            logger.warning("could not enqueue %s (%s): %s", function, job_id, exc)
            return False
        return job is not None

    async def deliver_outbox(
        self,
        ids: Sequence[uuid.UUID],
        *,
        attempts: int = 0,
        defer_until: datetime | None = None,
    ) -> int:
        """Enqueue delivery of these messages, one job per batch; returns how many were new."""
        enqueued = 0
        for start in range(0, len(ids), self.batch_size):
            batch = [str(i) for i in ids[start : start + self.batch_size]]
            job_id = outbox_job_id(uuid.UUID(batch[0]), attempts)
            enqueued += await self.enqueue(
                Job.DELIVER_OUTBOX, batch, job_id=job_id, defer_until=defer_until
            )
        return enqueued

    async def drain_outbox(self, batches: int, *, tag: str) -> int:
        """Enqueue `batches` jobs that each deliver any one batch of due messages."""
        enqueued = 0
        for n in range(batches):
            enqueued += await self.enqueue(
                Job.DELIVER_OUTBOX, None, job_id=f"outbox-drain:{tag}:{n}"
            )
        return enqueued

    async def issue_certificates(self, booking_ids: Sequence[uuid.UUID]) -> int:
        """Enqueue issuing the certificates these (just ATTENDED) bookings are owed."""
        enqueued = 0
        for start in range(0, len(booking_ids), self.batch_size):
            batch = [str(i) for i in booking_ids[start : start + self.batch_size]]
            enqueued += await self.enqueue(Job.ISSUE_CERTIFICATES, batch)
        return enqueued

    async def build_personal_data_exports(self, export_ids: Sequence[uuid.UUID]) -> int:
        """Enqueue building these personal-data exports, one job each (job id = export id)."""
        enqueued = 0
        for export_id in export_ids:
            enqueued += await self.enqueue(
                Job.BUILD_PERSONAL_DATA_EXPORT, str(export_id), job_id=f"export:{export_id}"
            )
        return enqueued

    async def flush(self, session: AsyncSession) -> int:
        """Enqueue the jobs the session's committed transaction owes; how many were new.

        The `after_commit` of `network.db.unit_of_work`: every face passes it there.
        """
        enqueued = 0
        for job, ids in take_all_owed(session).items():
            if job is Job.DELIVER_OUTBOX:
                enqueued += await self.deliver_outbox(ids)
            elif job is Job.ISSUE_CERTIFICATES:
                enqueued += await self.issue_certificates(ids)
            elif job is Job.BUILD_PERSONAL_DATA_EXPORT:
                enqueued += await self.build_personal_data_exports(ids)
            else:  # pragma: no cover - a job nobody owes by id yet
                raise ValueError(f"{job} is not owed by id")
        for job, asks in take_all_asks(session).items():
            for ask in asks:
                # The job id is the ask's, never the address (Redis keys carry no email).
                enqueued += await self.enqueue(
                    job, str(ask.id), ask.address, job_id=f"{job.value}:{ask.id}"
                )
        return enqueued
