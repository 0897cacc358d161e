"""What a worker process holds while it runs: settings, database engines, the courier, jobs."""

from __future__ import annotations

from dataclasses import dataclass

from arq.connections import ArqRedis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from network.config import Settings
from network.db import make_engine
from network.jobs import JobQueue
from network.messaging.delivery import Courier


@dataclass(slots=True)
class Runtime:
    """Built once at worker startup; job functions receive it instead of arq's ctx."""

    settings: Settings
    engine: AsyncEngine
    receipts_engine: AsyncEngine
    courier: Courier
    jobs: JobQueue

    @classmethod
    def start(cls, settings: Settings, redis: ArqRedis) -> Runtime:
        """Engines sized for `worker_max_jobs` concurrent deliveries (two connections each)."""
        size = settings.worker_max_jobs + 2
        engine = make_engine(settings.database_url, pool_size=size)
        # Receipts are committed without waiting for the WAL flush: a worker crash cannot
        # lose an acknowledged commit; only a PostgreSQL crash can lose the last instant.
        receipts_engine = create_async_engine(
            settings.database_url,
            pool_size=size,
            max_overflow=0,
            pool_pre_ping=True,
            connect_args={"server_settings": {"synchronous_commit": "off"}},
        )
        return cls(
            settings=settings,
            engine=engine,
            receipts_engine=receipts_engine,
            courier=Courier.from_settings(settings, engine, receipts_engine),
            jobs=JobQueue(
                redis,
                queue_name=settings.worker_queue_name,
                batch_size=settings.outbox_batch_size,
            ),
        )

    async def stop(self) -> None:
        """Close the engines (arq closes its own Redis pool)."""
        await self.engine.dispose()
        await self.receipts_engine.dispose()
