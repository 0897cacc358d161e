"""Outbox jobs as plain functions: they take ids and a Runtime, never arq's ctx."""

from __future__ import annotations

import logging
import math
import time
import uuid

from network.messaging.delivery import deliver_batch, due_count
from workers.runtime import Runtime

logger = logging.getLogger("workers.outbox")
MAX_DRAIN_JOBS = 100  # per sweep; the next sweep enqueues more


async def deliver_outbox(runtime: Runtime, ids: list[str] | None) -> dict[str, int]:
    """Deliver one batch (these messages, or any due ones when ids is None); schedule retries."""
    wanted = [uuid.UUID(i) for i in ids] if ids is not None else None
    report = await deliver_batch(runtime.courier, ids=wanted)
    for retry in report.retries:
        await runtime.jobs.deliver_outbox(retry.ids, attempts=retry.attempts, defer_until=retry.at)
    if report.claimed:
        logger.info(
            "outbox batch: %d claimed, %d sent (%d from receipts), %d failed, %d skipped, "
            "%d to retry",
            report.claimed,
            len(report.sent),
            report.recovered,
            len(report.failed),
            len(report.skipped),
            sum(len(r.ids) for r in report.retries),
        )
    return {
        "claimed": report.claimed,
        "sent": len(report.sent),
        "failed": len(report.failed),
        "skipped": len(report.skipped),
    }


async def sweep_outbox(runtime: Runtime) -> int:
    """Enqueue delivery of messages left behind (a lost job, an API that died after commit)."""
    settings = runtime.settings
    due = await due_count(runtime.engine, older_than=settings.outbox_sweep_grace_seconds)
    batches = min(math.ceil(due / settings.outbox_batch_size), MAX_DRAIN_JOBS)
    if batches:
        logger.info("outbox sweep: %d messages due, %d drain jobs", due, batches)
        return await runtime.jobs.drain_outbox(batches, tag=str(time.time_ns()))
    return 0
