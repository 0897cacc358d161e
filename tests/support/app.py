"""The app under test: settings, a client on the test's transaction, GraphQL, factories, Redis."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.api.core.budget import KEY_PREFIX as COST_KEY_PREFIX
from network.app import create_app
from network.config import Settings
from network.kit.ratelimit import rate_key
from tests.support.config import REDIS_URL, TEST_DATABASE_URL
from tests.support.factories import Factory

TEST_QUEUE = f"arq:queue:api-tests:{os.getpid()}"


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
    """Counters of emails asked for without signing in and of verification lookups
    (network.kit.ratelimit) and the GraphQL cost budgets (network.api.core.budget) live in
    Redis and outlive a test's transaction: every test starts from none."""
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in redis.scan_iter("asks:*")]
        keys += [key async for key in redis.scan_iter(f"{COST_KEY_PREFIX}*")]
        keys += [key async for key in redis.scan_iter("signin:*")]  # network.auth.throttle
        keys += [key async for key in redis.scan_iter(rate_key("*"))]  # verification lookups
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


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
        # Every response reports its cost (tests/api/test_cost.py checks it); tests compare the
        # rest of the body whole.
        assert body.pop("extensions")["cost"]["requested"] >= 1, body
        return body


@pytest.fixture
def gql(client: httpx.AsyncClient, session: AsyncSession) -> GraphQL:
    return GraphQL(client, session)
