"""Personal-data export jobs as plain functions: they take a Runtime, never arq's ctx."""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.db import make_session_factory, unit_of_work
from network.privacy import exports
from network.privacy.models import ExportStatus
from workers.runtime import Runtime

logger = logging.getLogger("workers.exports")


async def build_owed(sessions: async_sessionmaker[AsyncSession], export_id: str) -> str | None:
    """Build one export in one transaction; its status after (None: no such export)."""
    async with unit_of_work(sessions) as session:
        export = await exports.build_export(session, uuid.UUID(export_id))
        return export.status.value if export is not None else None


async def build_personal_data_export(runtime: Runtime, export_id: str) -> str | None:
    """The job owed when someone asks for a person's data: build the ZIP (a no-op once built)."""
    status = await build_owed(make_session_factory(runtime.engine, principal=SYSTEM), export_id)
    if status == ExportStatus.READY.value:
        logger.info("personal-data export ready: %s", export_id)
    elif status == ExportStatus.FAILED.value:
        logger.warning("personal-data export failed: %s", export_id)
    return status


async def sweep_personal_data_exports(runtime: Runtime) -> int:
    """Enqueue the exports whose job was lost; expire the ZIPs past their time. How many were
    enqueued."""
    sessions = make_session_factory(runtime.engine, principal=SYSTEM)
    async with unit_of_work(sessions) as session:
        expired = await exports.expire_exports(session)
        lost = await exports.lost_exports(session)
    if expired:
        logger.info("personal-data exports expired: %d", expired)
    if not lost:
        return 0
    logger.info("personal-data exports to build again: %d", len(lost))
    return await runtime.jobs.build_personal_data_exports(lost)
