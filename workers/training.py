"""Training jobs as plain functions: they take a Runtime, never arq's ctx."""

from __future__ import annotations

import logging

from network.auth.principal import SYSTEM
from network.db import make_session_factory, unit_of_work
from network.training.service import queue_due_reminders
from workers.runtime import Runtime

logger = logging.getLogger("workers.training")


async def send_training_reminders(runtime: Runtime) -> int:
    """One pass of the two-day training reminders; the outbox delivers the emails it owes."""
    sessions = make_session_factory(runtime.engine, principal=SYSTEM)
    async with unit_of_work(sessions, after_commit=runtime.jobs.flush) as session:
        owed = await queue_due_reminders(session)
    if owed:
        logger.info("training reminders: %d owed", owed)
    return owed
