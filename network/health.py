"""/healthz (liveness: the process serves) and /readyz (PostgreSQL, Redis, migrations at head)."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from pathlib import Path

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

logger = logging.getLogger("network.health")

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
# A database that takes longer than this to answer SELECT is not ready to serve requests.
DATABASE_CHECK_SECONDS = 5.0


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The head revision(s) of the migration scripts, read once per process."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


async def healthz(request: Request) -> JSONResponse:
    """Liveness: 200 whenever the process serves requests; dependencies are /readyz's."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Readiness: 200 when PostgreSQL and Redis answer and the database is at the migrations'
    head, else 503; each dependency's state is in the body."""
    (database, migrations), redis = await asyncio.gather(_database(request), _redis(request))
    checks = {"database": database, "redis": redis, "migrations": migrations}
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", **checks},
        status_code=200 if ready else 503,
    )


async def _database(request: Request) -> tuple[str, str]:
    """The database's state, and whether its revision is the scripts' head."""
    state = request.app.state
    try:
        async with asyncio.timeout(DATABASE_CHECK_SECONDS), state.sessions() as session:
            present = await session.scalar(
                text("SELECT to_regclass('alembic_version') IS NOT NULL")
            )
            revisions: set[str] = set()
            if present:
                rows = await session.scalars(text("SELECT version_num FROM alembic_version"))
                revisions = set(rows)
    except Exception as exc:  # readiness must report, not raise
        logger.warning("readiness: database: %s", exc)
        return "unavailable", "unavailable"
    return "ok", "ok" if revisions == state.migration_heads else "behind"


async def _redis(request: Request) -> str:
    """Redis's state; the client's own timeouts apply, this bounds the whole check."""
    try:
        async with asyncio.timeout(request.app.state.redis_timeout):
            await request.app.state.redis.ping()
    except Exception as exc:  # readiness must report, not raise
        logger.warning("readiness: redis: %s", exc)
        return "unavailable"
    return "ok"
