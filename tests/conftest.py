"""Shared fixtures: the real PostgreSQL (migrated once), one rolled-back transaction per test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from network.app import create_app
from network.config import Settings
from network.db import make_engine
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[1]
TEST_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/network_test"
)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
TEST_QUEUE = f"arq:queue:api-tests:{os.getpid()}"


def pytest_configure(config: pytest.Config) -> None:
    """Create and migrate the test database once per run (make test has done it already)."""
    if os.environ.get("NETWORK_TEST_DB_READY") == "1":
        return
    python = sys.executable
    subprocess.run(
        [python, str(ROOT / "scripts" / "ensure_database.py"), TEST_DATABASE_URL], check=True
    )
    env = {**os.environ, "DATABASE_URL": TEST_DATABASE_URL}
    subprocess.run(
        [str(Path(python).parent / "network"), "migrate"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    os.environ["NETWORK_TEST_DB_READY"] = "1"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(
        database_url=TEST_DATABASE_URL,
        redis_url=REDIS_URL,
        base_url="http://testserver",
        secret_key="test-secret-key-0123456789",
        # Jobs enqueued by API tests go to a queue of their own, emptied after the run, so a
        # worker of `make run` on the same Redis never sees them.
        worker_queue_name=TEST_QUEUE,
    )


@pytest.fixture(scope="session", autouse=True)
async def _empty_test_queue() -> AsyncIterator[None]:
    yield
    redis = Redis.from_url(REDIS_URL)
    try:
        await redis.delete(TEST_QUEUE)  # the jobs' own keys expire by themselves
    finally:
        await redis.aclose()


@pytest.fixture(autouse=True)
async def _fresh_email_ask_limits() -> None:
    """Counters of emails asked for without signing in (network.kit.ratelimit) live in Redis
    and outlive a test's transaction: every test starts from none."""
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter("asks:*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings.database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with session_factory() as s:
        yield s


@pytest.fixture
async def make(session: AsyncSession) -> Factory:
    """Factories for partners, members, contacts, cohorts and users with tokens."""
    return Factory(session)


@pytest.fixture
async def client(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


class GraphQL:
    """Posts GraphQL documents as a given bearer token."""

    def __init__(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        self.client = client
        self.session = session

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        await self.session.commit()  # make factory rows part of the shared transaction
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient, session: AsyncSession) -> GraphQL:
    return GraphQL(client, session)


class StatementCounter:
    """Counts SQL statements sent on the test's connection."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_statements(connection: AsyncConnection) -> Callable[[], StatementCounter]:
    counter = StatementCounter()
    sync_connection = connection.sync_connection
    assert sync_connection is not None

    def start() -> StatementCounter:
        event.listen(sync_connection, "before_cursor_execute", counter)
        return counter

    yield start  # type: ignore[misc]
    if event.contains(sync_connection, "before_cursor_execute", counter):
        event.remove(sync_connection, "before_cursor_execute", counter)
