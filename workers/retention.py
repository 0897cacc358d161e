"""The daily retention run as a plain job function: it takes a Runtime, never arq's ctx."""

from __future__ import annotations

import logging

from network.auth.principal import SYSTEM
from network.db import make_session_factory, utcnow
from network.privacy import retention
from workers.runtime import Runtime

logger = logging.getLogger("workers.retention")


async def apply_retention(runtime: Runtime) -> int:
    """Erase, prune and delete what the retention rules say is due now (a batch per
    transaction, so a run cut short keeps what it did and the next run does the rest); how
    many rows changed."""
    sessions = make_session_factory(runtime.engine, principal=SYSTEM)
    run = await retention.apply(
        sessions,
        utcnow(),
        SYSTEM,
        batch_size=runtime.settings.retention_batch_size,
        after_commit=runtime.jobs.flush,
    )
    logger.info("retention run: %d rows changed", run.total)
    return run.total
