"""Meeting jobs as plain functions: they take a Runtime, never arq's ctx."""

from __future__ import annotations

import asyncio

from network.auth.principal import SYSTEM
from network.db import make_session_factory
from network.meetings.reminders import send_due_reminders
from workers.runtime import Runtime

# One pass at a time per worker process: a pass drains everything due, so a cron tick that
# finds one running has nothing to add (other workers still run theirs alongside).
_pass_running = asyncio.Lock()


async def send_meeting_reminders(runtime: Runtime) -> dict[str, int]:
    """One pass of the meeting reminders that have come due; the outbox delivers them.

    Each batch commits on its own and its deliveries are enqueued right after, so the first
    emails are on their way while later batches are still being claimed.
    """
    if _pass_running.locked():
        return {"sent": 0, "skipped": 0, "batches": 0}
    async with _pass_running:
        done = await send_due_reminders(
            make_session_factory(runtime.engine, principal=SYSTEM),
            batch_size=runtime.settings.outbox_batch_size,
            after_commit=runtime.jobs.flush,
        )
    return {"sent": done.sent, "skipped": done.skipped, "batches": done.batches}
