"""/healthz is liveness; /readyz reports PostgreSQL, Redis and the migrations, per dependency,
and answers quickly whatever state Redis is in (every Redis client has timeouts)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import Settings
from tests.support.hanging import hanging_redis

READY = {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}
# Port 1 on the loopback: nothing listens, the connection is refused at once.
CLOSED_PORT = "redis://127.0.0.1:1/0"


@asynccontextmanager
async def client_for(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def test_healthz_is_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_reports_every_dependency(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (200, READY)


async def test_healthz_stays_200_and_readyz_is_503_quickly_when_redis_is_refused(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    unreachable = settings.model_copy(update={"redis_url": CLOSED_PORT})
    async with client_for(unreachable, session_factory) as client:
        started = time.monotonic()
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        elapsed = time.monotonic() - started
    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (
        503,
        {**READY, "status": "unavailable", "redis": "unavailable"},
    )
    assert elapsed < 2


async def test_a_hanging_redis_costs_at_most_the_redis_timeout(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> None:
    # A server that accepts connections and never answers: only a read timeout ends the wait.
    async with hanging_redis() as url:
        hanging = settings.model_copy(update={"redis_url": url, "redis_timeout_seconds": 0.3})
        async with client_for(hanging, session_factory) as client:
            started = time.monotonic()
            response = await client.get("/readyz")
            elapsed = time.monotonic() - started
    assert (response.status_code, response.json()["redis"]) == (503, "unavailable")
    assert elapsed < 1.5


async def test_readyz_is_503_when_the_database_is_behind_the_migrations(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    # Inside the test's transaction, rolled back after: the database looks one revision older.
    # (Written as the migrations' user: the app's role may only read alembic_version.)
    await connection.execute(text("UPDATE alembic_version SET version_num = '0001_older'"))
    response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (
        503,
        {**READY, "status": "unavailable", "migrations": "behind"},
    )


async def test_readyz_is_503_when_the_database_does_not_answer(settings: Settings) -> None:
    closed = "postgresql+asyncpg://postgres@127.0.0.1:1/network"
    async with client_for(settings.model_copy(update={"database_url": closed})) as client:
        response = await client.get("/readyz")
    assert (response.status_code, response.json()) == (
        503,
        {**READY, "status": "unavailable", "database": "unavailable", "migrations": "unavailable"},
    )
