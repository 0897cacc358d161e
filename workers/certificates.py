"""Certificate jobs as plain functions: they take a Runtime, never arq's ctx."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.certificates.service import issue_for_bookings
from network.db import make_session_factory
from workers.runtime import Runtime

logger = logging.getLogger("workers.certificates")


async def issue_owed(
    sessions: async_sessionmaker[AsyncSession],
    booking_ids: Sequence[str],
    *,
    after_commit: Callable[[AsyncSession], Awaitable[object]],
) -> int:
    """Issue the certificates these bookings are owed, in one transaction; 0 when done before."""
    ids = [uuid.UUID(i) for i in booking_ids]
    async with sessions() as session:
        made = await issue_for_bookings(session, SYSTEM, ids)
        await session.commit()
        await after_commit(session)  # the certificate emails
    return len(made)


async def issue_certificates(runtime: Runtime, booking_ids: list[str]) -> int:
    """The job enqueued when attendance is marked: reload the bookings, issue what is owed."""
    issued = await issue_owed(
        make_session_factory(runtime.engine), booking_ids, after_commit=runtime.jobs.after_commit
    )
    if issued:
        logger.info("certificates issued: %d", issued)
    return issued
