"""The portal's sign-in under the limits of network/auth/throttle.py: a client over its limit
costs no lookup and no argon2, nobody locks an account from elsewhere, Redis refused or hanging
does not stop anyone signing in, and no email address is left in Redis keys or cookies."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth import service as auth
from network.auth import throttle
from network.config import Settings
from network.kit.enums import Role
from tests.support.config import PASSWORD, REDIS_URL
from tests.support.factories import Factory
from tests.support.hanging import hanging_redis
from tests.support.portal import partner_user, sign_in

Clients = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def clients(settings: Settings, session_factory: async_sessionmaker[AsyncSession]) -> Clients:
    """Browsers at a given address, on an app with the given settings changed."""

    @asynccontextmanager
    async def client(
        address: str = "127.0.0.1", **changes: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=changes), session_factory=session_factory)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(
                app=app, raise_app_exceptions=False, client=(address, 40000)
            )
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c

    return client


async def test_a_client_over_its_limit_costs_no_lookup_and_no_hash(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "LIMITS", throttle.Limits(client_free=3))
    looked_up: list[str] = []
    hashed: list[str] = []
    find, check = auth.find_user_who_may_sign_in, auth.check_password

    async def counting_find(session: AsyncSession, email: str) -> Any:
        looked_up.append(email)
        return await find(session, email)

    async def counting_check(user: Any, password: str) -> Any:
        hashed.append(password)
        return await check(user, password)

    monkeypatch.setattr(auth, "find_user_who_may_sign_in", counting_find)
    monkeypatch.setattr(auth, "check_password", counting_check)
    async with clients("192.0.2.10") as client:
        for n in range(3):  # unknown addresses, each a different one
            assert (await sign_in(client, f"guess{n}@example.org", "pw")).status_code == 401
        refused = await sign_in(client, "guess3@example.org", "pw")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 60  # a minute from the last failure
    assert "Too many failed sign-ins: try again in a minute." in refused.text
    assert (len(looked_up), len(hashed)) == (3, 3)


async def test_failures_from_elsewhere_do_not_lock_the_owner_out(
    clients: Clients, make: Factory, session: AsyncSession
) -> None:
    owner = await partner_user(make, session)
    async with clients("198.51.100.66") as attacker:
        for _ in range(throttle.LIMITS.pair_free):
            assert (await sign_in(attacker, owner["email"], "a guess")).status_code == 401
        # The attacker is held back on this account, even with the right password ...
        assert (await sign_in(attacker, owner["email"], PASSWORD)).status_code == 429
        # ... and any other guess meanwhile (refused without being looked at).
        page = await sign_in(attacker, owner["email"], "another guess")
        assert page.status_code == 429
    async with clients("203.0.113.9") as home:
        assert (await sign_in(home, owner["email"], PASSWORD)).status_code == 303
        assert (await home.get("/portal/")).status_code == 200


@pytest.mark.parametrize("redis", ["refused", "hanging"])
async def test_signing_in_works_with_redis_refused_or_hanging(
    redis: str,
    clients: Clients,
    make: Factory,
    session: AsyncSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await partner_user(make, session)
    member = await make.contact(await make.member())
    await make.user(Role.MEMBER, contact=member)
    await session.commit()
    async with hanging_redis() as hung:
        url = "redis://127.0.0.1:1/0" if redis == "refused" else hung
        timeouts = {"redis_timeout_seconds": 0.3, "sign_in_limit_timeout_seconds": 0.3}
        with caplog.at_level(logging.WARNING):
            async with clients(redis_url=url, **timeouts) as client:
                assert (await sign_in(client, user["email"], "wrong password")).status_code == 401
                assert (await sign_in(client, user["email"], PASSWORD)).status_code == 303
                assert (await client.get("/portal/")).status_code == 200
                page = await client.get("/portal/login")
                csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
                asked = await client.post(
                    "/portal/login/link", data={"csrf": csrf, "email": member.email}
                )
                assert asked.status_code == 303
    warned = [r.getMessage() for r in caplog.records if r.name == "network.auth.throttle"]
    # One warning for the sign-ins (then Redis rests), one for the ask's limits.
    assert warned[0].startswith("sign-in limits unavailable (")
    assert sum(m.startswith("sign-in limits unavailable") for m in warned) == 1


async def test_no_email_address_in_redis_keys_or_readable_cookies(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    email = user["email"]
    local_part = email.split("@")[0]
    assert (await sign_in(client, email, "wrong password")).status_code == 401
    page = await client.get("/portal/login")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    await client.post("/portal/password/forgot", data={"csrf": csrf, "email": email})
    await client.post("/portal/login/link", data={"csrf": csrf, "email": email})
    answer = await sign_in(client, email, PASSWORD)
    assert answer.status_code == 303

    redis = Redis.from_url(REDIS_URL)
    try:
        keys = [key.decode() async for key in redis.scan_iter("*")]
    finally:
        await redis.aclose()
    assert any(key.startswith("signin:") for key in keys)
    assert any(key.startswith("asks:") for key in keys)
    assert [key for key in keys if local_part in key] == []

    for name in ("portal_session", "portal_lang"):
        value = client.cookies.get(name, path="/portal") or ""
        payload = value.split(".", 1)[0]
        readable = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)) if payload else b""
        assert local_part.encode() not in readable and local_part not in value
    # The page still shows who is signed in (from the database, not the cookie).
    assert email in (await client.get("/portal/")).text
