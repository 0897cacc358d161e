"""Certificate jobs as plain functions: they take a Runtime, never arq's ctx."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.certificates.service import issue_due_certificates as issue_due
from network.certificates.service import issue_for_bookings
from network.db import AfterCommit, make_session_factory, unit_of_work, utcnow
from network.training.service import invite_due_evaluations
from workers.runtime import Runtime

logger = logging.getLogger("workers.certificates")


async def issue_owed(
    sessions: async_sessionmaker[AsyncSession],
    booking_ids: Sequence[str],
    *,
    after_commit: AfterCommit | None = None,
) -> int:
    """Issue the certificates these bookings are owed, in one transaction; 0 when done before.

    `after_commit` enqueues the certificate emails the transaction owes.
    """
    ids = [uuid.UUID(i) for i in booking_ids]
    async with unit_of_work(sessions, after_commit=after_commit) as session:
        made = await issue_for_bookings(session, SYSTEM, ids)
    return len(made)


async def issue_certificates(runtime: Runtime, booking_ids: list[str]) -> int:
    """The job enqueued when attendance is marked: reload the bookings, issue what is owed."""
    issued = await issue_owed(
        make_session_factory(runtime.engine, principal=SYSTEM),
        booking_ids,
        after_commit=runtime.jobs.flush,
    )
    if issued:
        logger.info("certificates issued: %d", issued)
    return issued


# At most this many certificates per pass (each a PDF rendered in the transaction); the rest
# are issued by the next pass.
DUE_BATCH = 200


async def sweep_due(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    after_commit: AfterCommit | None = None,
) -> int:
    """One pass of the due certificates (sessions ended by `now`), in one transaction."""
    async with unit_of_work(sessions, after_commit=after_commit) as session:
        made = await issue_due(session, now=now, limit=DUE_BATCH)
    return len(made)


async def sweep_evaluations(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime,
    after_commit: AfterCommit | None = None,
) -> int:
    """One pass of the evaluation forms owed to attendees of sessions ended by `now` (the
    same moment certificates come due), in a transaction of its own."""
    async with unit_of_work(sessions, after_commit=after_commit) as session:
        return await invite_due_evaluations(session, now=now, limit=DUE_BATCH)


async def issue_due_certificates(runtime: Runtime) -> int:
    """The cron sweep: issue the certificates owed to attendees of sessions that have ended,
    and owe those attendees their evaluation form."""
    sessions = make_session_factory(runtime.engine, principal=SYSTEM)
    now = utcnow()
    # The evaluations first: a course whose certificates wait for them needs them asked for.
    invited = await sweep_evaluations(sessions, now=now, after_commit=runtime.jobs.flush)
    if invited:
        logger.info("evaluation forms owed by the sweep: %d", invited)
    issued = await sweep_due(sessions, now=now, after_commit=runtime.jobs.flush)
    if issued:
        logger.info("certificates issued by the sweep: %d", issued)
    return issued
