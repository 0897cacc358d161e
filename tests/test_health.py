"""/healthz: 200 when PostgreSQL and Redis answer, 503 naming the one that does not."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import Settings


async def test_healthz_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "database": "ok", "redis": "ok"},
    )


async def test_healthz_is_503_when_redis_does_not_answer(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    unreachable = settings.model_copy(update={"redis_url": "redis://127.0.0.1:9/0"})
    app = create_app(unreachable, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (
        503,
        {"status": "unavailable", "database": "ok", "redis": "unavailable"},
    )
