"""Sign-in hardening: the lockout holds against parallel guesses, argon2 runs off the event
loop, an older reset link dies with a new password, sign-in links need a POST, cookies are
Secure by BASE_URL, and the sign-in pages notice a session that has ended."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.app import create_app
from network.auth import login_links, throttle
from network.auth import service as auth
from network.auth.login_links import LoginLink
from network.auth.models import User
from network.auth.principal import SYSTEM
from network.config import Settings, get_settings
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from tests.support.config import PASSWORD, REDIS_URL
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in

NEW_PASSWORD = "a brand new passphrase"
BASE = get_settings().base_url.rstrip("/")


def fresh_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


async def partner_user(make: Factory, session: AsyncSession) -> User:
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner, email=fresh_email("partner"))
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    await session.commit()
    return user


async def member_user(make: Factory, session: AsyncSession, language: str = "en") -> User:
    contact = await make.contact(
        await make.member(), email=fresh_email("member"), language=language
    )
    user = await make.user(Role.MEMBER, contact=contact)
    await session.commit()
    return user


async def emailed_path(
    session: AsyncSession, asking: Awaitable[None], template: str, to_email: str
) -> str:
    """Ask for an email with `asking` and return the path of the link in it."""
    statement = select(OutboxMessage).where(
        OutboxMessage.template == template, OutboxMessage.to_email == to_email
    )
    before = {message.id for message in (await session.scalars(statement)).all()}
    await asking
    await session.commit()
    (message,) = [m for m in (await session.scalars(statement)).all() if m.id not in before]
    key = "login_url" if template == "login_link" else "reset_url"
    url: str = message.context[key]
    return url.removeprefix(BASE)


# -- 2. the lockout --------------------------------------------------------------------------


@pytest.fixture
async def patient_client(
    settings: Settings, session_factory: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with time enough for Redis under 30 requests at once on a busy machine (this
    is about counting, not about a slow Redis: the limits would fall back to the process)."""
    patient = settings.model_copy(update={"sign_in_limit_timeout_seconds": 30.0})
    app = create_app(patient, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_parallel_wrong_passwords_cannot_get_past_the_lockout(
    patient_client: httpx.AsyncClient,
    redis: Redis,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = patient_client
    email = fresh_email("target")
    _, pair, _ = throttle.keys_for(settings.secret_key, email, "127.0.0.1")
    free = throttle.LIMITS.pair_free
    checked = 0
    all_in = asyncio.Event()

    async def slow_wrong_password(*args: Any) -> None:
        # Every password check that gets through waits for the others: as if argon2 took a
        # while and the guesses all arrived together.
        nonlocal checked
        checked += 1
        if checked == free:
            all_in.set()
        await all_in.wait()

    async def nobody(*args: Any) -> None:
        return None

    monkeypatch.setattr(auth, "find_user_who_may_sign_in", nobody)
    monkeypatch.setattr(auth, "check_password", slow_wrong_password)
    page = await client.get("/portal/login")
    form = {"csrf": csrf_of(page.text), "email": email, "password": "guess"}
    answers = await asyncio.gather(*(client.post("/portal/login", data=form) for _ in range(30)))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [401] * free + [429] * (30 - free)
    assert checked == free
    waits = [int(a.headers["retry-after"]) for a in answers if a.status_code == 429]
    assert len(waits) == 30 - free and all(0 < wait <= 60 for wait in waits)
    assert 0 < await redis.ttl(pair) <= throttle.LIMITS.pair_base + throttle.LIMITS.window


async def test_a_good_password_clears_the_count_and_a_long_email_is_refused(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    redis: Redis,
    settings: Settings,
) -> None:
    user = await partner_user(make, session)
    keys = throttle.keys_for(settings.secret_key, user.email, "127.0.0.1")
    for _ in range(throttle.LIMITS.pair_free - 1):
        assert (await sign_in(client, user.email, "not the password")).status_code == 401
    counts = [int(await redis.hget(key, "n") or 0) for key in keys]
    assert counts == [throttle.LIMITS.pair_free - 1] * 3
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    # The pair is forgiven; the client and the account keep the failures, not the success.
    assert await redis.exists(keys[1]) == 0
    after = [int(await redis.hget(key, "n") or 0) for key in (keys[0], keys[2])]
    assert after == [throttle.LIMITS.pair_free - 1] * 2

    long_email = "x" * 400 + "@example.org"
    refused = await sign_in(client, long_email, "whatever it is")
    assert refused.status_code == 422
    assert 'id="email-error" class="error">' in refused.text
    long_keys = throttle.keys_for(settings.secret_key, long_email, "127.0.0.1")
    assert [await redis.exists(key) for key in long_keys[1:]] == [0, 0]


# -- 3. argon2 off the event loop -------------------------------------------------------------


async def test_the_password_check_leaves_the_event_loop_free(
    make: Factory, session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await partner_user(make, session)
    loop = asyncio.get_running_loop()
    verifying = asyncio.Event()
    other_ran = asyncio.Event()

    class Hasher:
        def verify(self, hashed: str, password: str) -> bool:
            loop.call_soon_threadsafe(verifying.set)
            # Finishes only once another coroutine has run on the loop meanwhile; on the
            # loop's own thread this would wait for itself (the timeout only ends the test).
            asyncio.run_coroutine_threadsafe(other_ran.wait(), loop).result(timeout=5)
            return password == PASSWORD

    async def meanwhile() -> None:
        await verifying.wait()
        other_ran.set()

    monkeypatch.setattr(auth, "_hasher", Hasher())
    found, _ = await asyncio.gather(
        auth.authenticate_password(session, user.email, PASSWORD), meanwhile()
    )
    assert found is not None and found.id == user.id


async def test_at_most_four_passwords_are_hashed_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.get_running_loop()
    lock, release = threading.Lock(), threading.Event()
    full = asyncio.Event()
    active = peak = 0

    class Hasher:
        def verify(self, hashed: str, password: str) -> bool:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
                if active == auth.HASHING_SLOTS:
                    loop.call_soon_threadsafe(full.set)
            release.wait(timeout=5)
            with lock:
                active -= 1
            return True

    monkeypatch.setattr(auth, "_hasher", Hasher())
    users = [
        User(email=f"u{n}@example.org", name="U", role=Role.PARTNER, password_hash="h")
        for n in range(auth.HASHING_SLOTS + 2)
    ]
    for user in users:
        user.is_active = True
    checks = [asyncio.create_task(auth.check_password(user, "pw")) for user in users]
    await asyncio.wait_for(full.wait(), timeout=5)
    assert peak == auth.HASHING_SLOTS
    release.set()
    assert await asyncio.gather(*checks) == users
    assert peak == auth.HASHING_SLOTS


# -- 4. an older reset link ------------------------------------------------------------------


async def test_a_new_password_ends_every_older_reset_link(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    reset = login_links.request_password_reset
    first = await emailed_path(session, reset(session, user.email), "password_reset", user.email)
    second = await emailed_path(session, reset(session, user.email), "password_reset", user.email)
    assert first != second

    page = await client.get(second)
    done = await client.post(
        second,
        data={
            "csrf": csrf_of(page.text),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert done.status_code == 303
    assert (await client.get(first)).status_code == 410  # the older email is dead too
    links = (await session.scalars(select(LoginLink).where(LoginLink.user_id == user.id))).all()
    for link in links:
        await session.refresh(link)
    assert [link.used_at is not None for link in links] == [True, True]

    third = await emailed_path(session, reset(session, user.email), "password_reset", user.email)
    assert (await client.get(third)).status_code == 200
    await auth.set_password(session, SYSTEM, user.email, "set by staff meanwhile")
    await session.commit()
    assert (await client.get(third)).status_code == 410


# -- 5 and 6. the sign-in link -----------------------------------------------------------------


async def test_opening_a_sign_in_link_uses_nothing_and_asks_in_the_members_language(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await member_user(make, session, language="cy")
    asking = login_links.request_login_link(session, user.email)
    path = await emailed_path(session, asking, "login_link", user.email)

    for _ in range(3):  # a mail scanner, a preview, the member
        page = await client.get(path, headers={"Accept-Language": "de-DE"})
        assert page.status_code == 200
    # The member's language (the contact's Welsh here) comes before the browser's.
    assert '<html lang="cy">' in page.text
    assert "<h1>Mewngofnodi i borth y rhwydwaith</h1>" in page.text
    assert '<button class="primary" type="submit">Mewngofnodi</button>' in page.text
    assert "set-cookie" not in page.headers
    assert page.headers["x-frame-options"] == "DENY"  # its button may not be clickjacked
    (link,) = (await session.scalars(select(LoginLink).where(LoginLink.user_id == user.id))).all()
    assert link.used_at is None

    # A form on another site posting the token would sign this browser in: refused (shown
    # again, unused), while the member's own click (same-origin) signs in.
    cross = await client.post(path, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert f'<form method="post" action="{path}">' in cross.text
    assert "set-cookie" not in cross.headers
    own = await client.post(path, headers={"Sec-Fetch-Site": "same-origin"})
    assert (own.status_code, own.headers["location"]) == (303, "/portal/training")
    assert (await client.post("/login/not-a-real-token")).status_code == 404


async def test_link_cookies_are_secure_when_base_url_is_https(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    session: AsyncSession,
) -> None:
    user = await member_user(make, session)
    asking = login_links.request_login_link(session, user.email)
    path = await emailed_path(session, asking, "login_link", user.email)
    # TLS ends at the proxy: the app itself is spoken to in plain http.
    behind_proxy = settings.model_copy(update={"base_url": "https://crm.example.org"})
    app = create_app(behind_proxy, session_factory=session_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            answer = await c.post(path)
    assert answer.status_code == 303
    cookies = answer.headers.get_list("set-cookie")
    assert sorted(cookie.split("=", 1)[0] for cookie in cookies) == [
        "network_member",
        "portal_session",
    ]
    assert all("; secure" in cookie.lower() for cookie in cookies)


# -- 7. the sign-in pages after a session ended ------------------------------------------------


async def test_the_sign_in_pages_show_signed_out_once_the_session_is_revoked(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    assert "Sign out" in (await client.get("/portal/login")).text
    assert await auth.revoke_sessions_of(session, SYSTEM, user.email) == 1
    await session.commit()
    for path in ("/portal/login", "/portal/password/forgot"):
        page = await client.get(path)
        assert page.status_code == 200
        assert "Sign out" not in page.text
        assert user.email not in page.text
    # The cookie was rewritten signed out, keeping a working CSRF token.
    page = await client.get("/portal/password/forgot")
    asked = await client.post(
        "/portal/password/forgot", data={"csrf": csrf_of(page.text), "email": user.email}
    )
    assert asked.status_code == 303
