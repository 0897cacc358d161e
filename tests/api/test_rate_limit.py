"""Hourly cost budgets in Redis (network/api/core/budget.py): per user, per client address
without a token, refused with RATE_LIMITED when spent, and let through when Redis is not."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.api.core.budget import KEY_PREFIX, WINDOW_SECONDS
from network.app import create_app
from network.config import Settings
from network.kit.enums import Role
from network.members import service as members
from tests.support.config import REDIS_URL
from tests.support.factories import Factory
from tests.support.hanging import hanging_redis

RATE_LIMIT = "{ rateLimit { cost limit remaining resetAt } }"
PAGE_OF_20 = "{ members { totalCount } }"  # costs its default page: 20


class Caller:
    """Posts documents to one app from one client address."""

    def __init__(self, client: httpx.AsyncClient, session: AsyncSession) -> None:
        self.client = client
        self.session = session

    async def __call__(self, query: str, token: str | None = None) -> dict[str, Any]:
        await self.session.commit()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@asynccontextmanager
async def app_at(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    *addresses: str,
) -> AsyncIterator[list[Caller]]:
    """One app with these settings, and a caller from each client address."""
    app = create_app(settings, session_factory=sessions)
    async with app.router.lifespan_context(app):
        clients = [
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app, client=(address, 40000)),
                base_url="http://testserver",
            )
            for address in addresses
        ]
        try:
            yield [Caller(client, session) for client in clients]
        finally:
            for client in clients:
                await client.aclose()


def small(settings: Settings, **limits: Any) -> Settings:
    return settings.model_copy(update=limits)


async def test_a_token_spends_its_own_budget_then_is_refused_without_running(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make: Factory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    limits = small(settings, graphql_cost_budget_per_hour=50, graphql_max_cost=50)
    token, other = await make.token(Role.STAFF), await make.token(Role.STAFF)
    async with app_at(limits, session_factory, session, "198.51.100.1") as (call,):
        spent = [await call(PAGE_OF_20, token) for _ in range(2)]
        assert [body["extensions"]["cost"]["remaining"] for body in spent] == [30, 10]
        checks = [(await call(RATE_LIMIT, token))["data"]["rateLimit"] for _ in range(2)]
        assert [(check["cost"], check["remaining"]) for check in checks] == [(1, 9), (1, 8)]

        ran: list[object] = []

        async def spy(*args: Any, **kwargs: Any) -> Any:
            ran.append(args)
            raise AssertionError("a refused request runs no resolver")

        monkeypatch.setattr(members, "list_members", spy)
        refused = await call(PAGE_OF_20, token)
        reset_at = refused["extensions"]["cost"]["resetAt"]
        assert refused == {
            "data": None,
            "errors": [
                {
                    "message": "This request would cost 20, and 8 of the 50 allowed per hour "
                    f"are left; the budget is whole again at {reset_at}.",
                    "extensions": {
                        "code": "RATE_LIMITED",
                        "cost": 20,
                        "remaining": 8,
                        "resetAt": reset_at,
                    },
                }
            ],
            "extensions": {
                "cost": {
                    "requested": 20,
                    "maximum": 50,
                    "limit": 50,
                    "remaining": 8,
                    "resetAt": reset_at,
                }
            },
        }
        assert ran == []
        # What is left still buys a smaller request; another user's budget is whole.
        assert (await call(RATE_LIMIT, token))["data"]["rateLimit"]["remaining"] == 7
        assert (await call(RATE_LIMIT, other))["data"]["rateLimit"]["remaining"] == 49


async def test_rate_limit_reports_this_request_and_the_window(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make: Factory,
) -> None:
    token = await make.token(Role.STAFF)
    before = datetime.now(UTC)
    async with app_at(settings, session_factory, session, "198.51.100.2") as (call,):
        body = await call(RATE_LIMIT, token)
    rate_limit = body["data"]["rateLimit"]
    reset_at = datetime.fromisoformat(rate_limit.pop("resetAt"))
    limit = settings.graphql_cost_budget_per_hour
    assert rate_limit == {"cost": 1, "limit": limit, "remaining": limit - 1}
    assert before < reset_at <= before + timedelta(seconds=WINDOW_SECONDS + 2)


async def test_anonymous_callers_each_have_a_smaller_budget_per_address(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    limits = small(settings, graphql_anonymous_cost_budget_per_hour=3)
    async with app_at(limits, session_factory, session, "203.0.113.7", "203.0.113.8") as callers:
        first, second = callers
        answers = [await first("{ __typename }") for _ in range(3)]
        assert [a["data"] for a in answers] == [{"__typename": "Query"}] * 3
        # A token that is not valid is no way around it: the caller is anonymous.
        refused = await first("{ __typename }", token="ncrm_not-a-token")
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        # Another address has a budget of its own.
        other = (await second(RATE_LIMIT))["data"]["rateLimit"]
        assert (other["limit"], other["remaining"]) == (3, 2)


async def test_an_anonymous_ipv6_client_has_one_budget_for_its_64(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    limits = small(settings, graphql_anonymous_cost_budget_per_hour=2)
    addresses = ("2001:db8:7:7::1", "2001:db8:7:7::2", "2001:db8:7:8::1")
    async with app_at(limits, session_factory, session, *addresses) as callers:
        one, same_64, other_64 = callers
        assert (await one("{ __typename }"))["data"] == {"__typename": "Query"}
        assert (await same_64("{ __typename }"))["data"] == {"__typename": "Query"}
        # Another address of the same /64 is no fresh budget.
        refused = await same_64("{ __typename }")
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert (await other_64("{ __typename }"))["data"] == {"__typename": "Query"}


async def test_no_request_may_cost_more_than_a_whole_budget(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
) -> None:
    limits = small(settings, graphql_anonymous_cost_budget_per_hour=10)
    async with app_at(limits, session_factory, session, "203.0.113.9") as (call,):
        body = await call("{ members(first: 11) { totalCount } }")
    assert body["errors"][0]["extensions"] == {
        "code": "COST_LIMIT_EXCEEDED",
        "cost": 11,
        "maximum": 10,
    }


async def test_redis_keys_name_nobody(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make: Factory,
) -> None:
    user = await make.user(Role.STAFF)
    token = await make.token_for(user)
    async with app_at(settings, session_factory, session, "192.0.2.44") as (call,):
        await call(RATE_LIMIT, token)
        await call(RATE_LIMIT)
    redis = Redis.from_url(REDIS_URL)
    try:
        keys = sorted([key.decode() async for key in redis.scan_iter(f"{KEY_PREFIX}*")])
        ttls = [await redis.ttl(key) for key in keys]
    finally:
        await redis.aclose()
    assert [key.rsplit(":", 1)[0] for key in keys] == [f"{KEY_PREFIX}client", f"{KEY_PREFIX}user"]
    for secret in ("192.0.2.44", user.email, token, str(user.id)):
        assert not any(secret in key for key in keys), secret
    assert all(0 < ttl <= WINDOW_SECONDS + 1 for ttl in ttls)


@pytest.mark.parametrize("outage", ["refused", "hanging"])
async def test_without_redis_requests_go_through_uncounted(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    make: Factory,
    caplog: pytest.LogCaptureFixture,
    outage: str,
) -> None:
    token = await make.token(Role.STAFF)
    async with hanging_redis() as hanging:
        url = hanging if outage == "hanging" else "redis://127.0.0.1:1/0"
        limits = small(settings, redis_url=url, redis_timeout_seconds=0.2)
        with caplog.at_level(logging.WARNING, logger="network.api.budget"):
            async with app_at(limits, session_factory, session, "198.51.100.3") as (call,):
                answers = [await call(RATE_LIMIT, token) for _ in range(3)]
    limit = settings.graphql_cost_budget_per_hour
    for body in answers:
        assert "errors" not in body
        assert body["data"]["rateLimit"]["remaining"] == limit - 1
    # One warning, then Redis is left alone for a while rather than awaited on every request.
    warnings = [r.getMessage() for r in caplog.records if r.name == "network.api.budget"]
    assert len(warnings) == 1
    assert warnings[0].startswith("cost budgets unavailable")


async def test_a_spent_anonymous_caller_gets_no_database_connection(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provisioned: list[AsyncSession] = []
    connection = AsyncSession.connection

    async def counted(self: AsyncSession, *args: Any, **kwargs: Any) -> Any:
        if self is not session:
            provisioned.append(self)
        return await connection(self, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "connection", counted)
    limits = small(settings, graphql_anonymous_cost_budget_per_hour=2)
    async with app_at(limits, session_factory, session, "203.0.113.9", "203.0.113.10") as callers:
        spender, other = callers
        for _ in range(2):
            assert (await spender("{ __typename }"))["data"] == {"__typename": "Query"}
        assert len(provisioned) == 2
        refused = await spender("{ __typename }")
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert len(provisioned) == 2  # refused before a connection was taken
        assert (await other("{ __typename }"))["data"] == {"__typename": "Query"}
        assert len(provisioned) == 3
