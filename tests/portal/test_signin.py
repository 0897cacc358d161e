"""Signing in to the portal: password reset by email, member sign-in links, server-side
sessions, the language kept per user, and no account enumeration."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import login_links
from network.auth import service as auth
from network.auth.login_links import LoginLink
from network.auth.models import PortalSignIn, User
from network.auth.principal import SYSTEM
from network.config import get_settings
from network.db import utcnow
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from network.messaging.rendering import Renderer
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in
from tests.support.signin import run_asked_jobs

BASE = get_settings().base_url.rstrip("/")  # emailed links are made under BASE_URL
NEW_PASSWORD = "a brand new passphrase"


def fresh_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"


async def partner_user(make: Factory, session: AsyncSession, language: str | None = None) -> User:
    """A partner's user with a password (and a saved portal language, if given)."""
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner, email=fresh_email("partner"))
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    if language:
        await auth.set_language(session, user.id, language)
    await session.commit()
    return user


async def outbox(session: AsyncSession, template: str, to_email: str) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.template == template, OutboxMessage.to_email == to_email
        )
    )
    return list(found.all())


async def ask_for_reset(client: httpx.AsyncClient, email: str) -> httpx.Response:
    page = await client.get("/portal/password/forgot")
    return await client.post(
        "/portal/password/forgot", data={"csrf": csrf_of(page.text), "email": email}
    )


async def post_reset(
    client: httpx.AsyncClient, path: str, password: str, again: str | None = None
) -> httpx.Response:
    page = await client.get("/portal/login")
    return await client.post(
        path,
        data={
            "csrf": csrf_of(page.text),
            "password": password,
            "password_again": password if again is None else again,
        },
    )


def session_cookie(client: httpx.AsyncClient) -> str:
    value = client.cookies.get("portal_session", path="/portal")
    assert value is not None
    return value


async def test_login_page_offers_a_reset_and_a_sign_in_link(client: httpx.AsyncClient) -> None:
    forgotten = {"en": "Forgot your password?", "cy": "Wedi anghofio", "fr": "oublié"}
    for lang, forgot in forgotten.items():
        page = await client.get(f"/portal/login?lang={lang}")
        assert page.status_code == 200
        assert '<a href="/portal/password/forgot">' in page.text and forgot in page.text
        assert 'action="/portal/login/link"' in page.text
        assert '<label for="link-email">Email' in page.text
        assert ">Sign in</button>" in page.text  # the contract's English labels stay


async def test_a_password_reset_end_to_end(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    user = await partner_user(make, session, language="cy")
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    old_cookie = session_cookie(client)
    client.cookies.clear()

    asked = await ask_for_reset(client, user.email)
    assert (asked.status_code, asked.headers["location"]) == (
        303,
        "/portal/password/forgot?sent=1",
    )
    sent = await client.get(asked.headers["location"])
    assert "a reset link is on its way" in sent.text
    assert await run_asked_jobs(session_factory, user.email) == 1  # as the worker would
    (message,) = await outbox(session, "password_reset", user.email)
    assert message.language == "cy"  # the language the user chose in the portal
    url = message.context["reset_url"]
    assert url.startswith(f"{BASE}/portal/password/reset/")
    assert message.context["minutes"] == 60
    path = url.removeprefix(BASE)
    (link,) = (await session.scalars(select(LoginLink).where(LoginLink.user_id == user.id))).all()
    assert link.purpose == login_links.PASSWORD_RESET
    assert path.rsplit("/", 1)[1].encode() not in link.token_hash  # only the hash is kept

    form = await client.get(path)
    assert form.status_code == 200
    assert '<label for="password">New password</label>' in form.text
    short = await post_reset(client, path, "short")
    assert short.status_code == 422
    assert 'id="password-error" class="error">A password needs at least 10' in short.text
    differ = await post_reset(client, path, NEW_PASSWORD, "something else entirely")
    assert differ.status_code == 422
    assert 'id="password_again-error" class="error">The two passwords' in differ.text

    done = await post_reset(client, path, NEW_PASSWORD)
    assert (done.status_code, done.headers["location"]) == (303, "/portal/")
    assert (await client.get("/portal/")).status_code == 200  # signed in by the reset
    await session.refresh(link)
    assert link.used_at is not None

    again = await client.get(path)  # the link works once
    assert again.status_code == 410
    assert '<a href="/portal/password/forgot">' in again.text
    assert (await post_reset(client, path, "yet another password")).status_code == 410

    client.cookies.clear()
    client.cookies.set("portal_session", old_cookie, path="/portal")
    assert (await client.get("/portal/")).headers["location"] == "/portal/login"  # revoked
    client.cookies.clear()
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 401
    assert (await sign_in(client, user.email, NEW_PASSWORD)).status_code == 303


async def test_an_expired_or_unknown_reset_link_is_refused(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
) -> None:
    user = await partner_user(make, session)
    await login_links.request_password_reset(
        session, user.email, now=utcnow() - timedelta(minutes=61)
    )
    await session.commit()
    (message,) = await outbox(session, "password_reset", user.email)
    path = message.context["reset_url"].removeprefix(BASE)
    expired = await client.get(path)
    assert expired.status_code == 410
    assert "This reset link does not work" in expired.text
    assert (await post_reset(client, path, NEW_PASSWORD)).status_code == 410
    assert (await client.get("/portal/password/reset/not-a-token")).status_code == 410
    await session.refresh(user)
    assert auth.verify_password(user, PASSWORD) is True  # nothing changed


async def test_a_sign_in_link_is_not_a_reset_link(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
) -> None:
    contact = await make.contact(await make.member(), email=fresh_email("member"))
    user = await make.user(Role.MEMBER, contact=contact)
    await login_links.request_login_link(session, user.email)
    await session.commit()
    (message,) = await outbox(session, "login_link", user.email)
    token = message.context["login_url"].rsplit("/", 1)[1]
    assert (await client.get(f"/portal/password/reset/{token}")).status_code == 410


async def test_asking_for_a_reset_reveals_no_account(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    user = await partner_user(make, session)
    nobody = fresh_email("nobody")
    known = await ask_for_reset(client, user.email)
    unknown = await ask_for_reset(client, nobody)
    assert (known.status_code, known.headers["location"], known.text) == (
        unknown.status_code,
        unknown.headers["location"],
        unknown.text,
    )
    assert await run_asked_jobs(session_factory, user.email) == 1
    assert await run_asked_jobs(session_factory, nobody) == 1
    assert len(await outbox(session, "password_reset", user.email)) == 1
    assert await outbox(session, "password_reset", nobody) == []


async def test_signing_in_reveals_no_account_and_costs_the_same(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    nobody = fresh_email("nobody")
    wrong = await sign_in(client, user.email, "not the password")
    unknown = await sign_in(client, nobody, "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.replace(user.email, "E") == unknown.text.replace(nobody, "E")
    # An unknown email is verified against the dummy argon2 hash, as slow as a real one.
    before = auth._dummy_hash.cache_info()
    assert await auth.authenticate_password(session, fresh_email("ghost"), "x" * 12) is None
    after = auth._dummy_hash.cache_info()
    assert after.hits + after.misses == before.hits + before.misses + 1


async def test_asking_too_often_is_refused(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    user = await partner_user(make, session)
    for _ in range(3):
        assert (await ask_for_reset(client, user.email)).status_code == 303
    refused = await ask_for_reset(client, user.email)
    assert refused.status_code == 429
    assert "try again in 15 minutes" in refused.text
    assert await run_asked_jobs(session_factory, user.email) == 3
    assert len(await outbox(session, "password_reset", user.email)) == 3


async def test_a_member_signs_in_by_link_and_lands_on_my_training(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    contact = await make.contact(await make.member(), email=fresh_email("member"), language="fr")
    user = await make.user(Role.MEMBER, contact=contact)  # no password at all
    await session.commit()
    page = await client.get("/portal/login")
    unknown = await client.post(
        "/portal/login/link", data={"csrf": csrf_of(page.text), "email": fresh_email("x")}
    )
    asked = await client.post(
        "/portal/login/link", data={"csrf": csrf_of(page.text), "email": user.email}
    )
    assert (asked.status_code, asked.headers["location"]) == (303, "/portal/login?link_sent=1")
    assert (unknown.status_code, unknown.headers["location"]) == (303, asked.headers["location"])
    assert "a sign-in link is on its way" in (await client.get("/portal/login?link_sent=1")).text
    assert await run_asked_jobs(session_factory, user.email) == 1
    (message,) = await outbox(session, "login_link", user.email)
    assert message.language == "fr"
    path = message.context["login_url"].removeprefix(BASE)

    client.cookies.clear()
    page = await client.get(path)  # opening the link uses nothing up (mail scanners do)
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text  # the member's language
    assert f'<form method="post" action="{path}">' in page.text
    assert '<button class="primary" type="submit">Se connecter</button>' in page.text
    assert client.cookies.get(login_links.COOKIE_NAME) is None
    assert (await client.get(path)).status_code == 200  # still live
    landed = await client.post(path)
    assert (landed.status_code, landed.headers["location"]) == (303, "/portal/training")
    assert client.cookies.get(login_links.COOKIE_NAME) is not None  # certificates still work
    training = await client.get("/portal/training")
    assert training.status_code == 200
    assert "Sign out" in training.text
    rows = await session.scalars(select(PortalSignIn).where(PortalSignIn.user_id == user.id))
    assert len(rows.all()) == 1


async def test_signing_out_ends_the_session_wherever_the_cookie_was_copied(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    await sign_in(client, user.email, PASSWORD)
    copied = session_cookie(client)
    home = await client.get("/portal/")
    out = await client.post("/portal/logout", data={"csrf": csrf_of(home.text)})
    assert out.status_code == 303
    (row,) = (
        await session.scalars(select(PortalSignIn).where(PortalSignIn.user_id == user.id))
    ).all()
    await session.refresh(row)
    assert row.revoked_at is not None
    client.cookies.clear()
    client.cookies.set("portal_session", copied, path="/portal")
    assert (await client.get("/portal/")).headers["location"] == "/portal/login"


async def test_staff_revoking_sessions_or_deactivating_ends_them(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    await sign_in(client, user.email, PASSWORD)
    assert (await client.get("/portal/")).status_code == 200
    assert await auth.revoke_sessions_of(session, SYSTEM, user.email) == 1
    await session.commit()
    assert (await client.get("/portal/")).status_code == 303

    await sign_in(client, user.email, PASSWORD)
    assert (await client.get("/portal/")).status_code == 200
    user.is_active = False
    await session.commit()
    assert (await client.get("/portal/")).status_code == 303


async def test_the_language_is_kept_per_user_across_sign_ins(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    await sign_in(client, user.email, PASSWORD)
    assert (await client.get("/portal/?lang=cy")).status_code == 200
    await session.refresh(user)
    assert user.language == "cy"
    english = await client.get("/portal/?lang=en")  # ?lang= still wins for the page
    assert '<html lang="en">' in english.text
    await session.refresh(user)
    assert user.language == "en"
    await client.get("/portal/?lang=fr")
    home = await client.get("/portal/")
    await client.post("/portal/logout", data={"csrf": csrf_of(home.text)})

    client.cookies.clear()  # another browser: no language cookie
    answer = await sign_in(client, user.email, PASSWORD)
    assert answer.status_code == 303
    assert client.cookies.get("portal_lang", path="/portal") == "fr"
    assert '<html lang="fr">' in (await client.get("/portal/")).text


async def test_every_new_form_refuses_a_post_without_its_csrf_token(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    user = await partner_user(make, session)
    await login_links.request_password_reset(session, user.email)
    await session.commit()
    (message,) = await outbox(session, "password_reset", user.email)
    path = "/portal/password/reset/" + message.context["reset_url"].rsplit("/", 1)[1]
    await client.get("/portal/login")  # a session with a CSRF token, not sent below
    for sent in ({}, {"csrf": "wrong"}):
        forgot = await client.post("/portal/password/forgot", data={**sent, "email": user.email})
        link = await client.post("/portal/login/link", data={**sent, "email": user.email})
        reset = await client.post(
            path, data={**sent, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        )
        logout = await client.post("/portal/logout", data=sent)
        assert [forgot.status_code, link.status_code, reset.status_code, logout.status_code] == [
            403,
            403,
            403,
            403,
        ]
    assert len(await outbox(session, "password_reset", user.email)) == 1
    await session.refresh(user)
    assert auth.verify_password(user, PASSWORD) is True
    assert (await client.get(path)).status_code == 200  # the link is still unused


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Reset your password"),
        ("cy", "Ailosod eich cyfrinair"),
        ("fr", "Réinitialiser votre mot de passe"),
        ("es", "Restablezca su contraseña"),
        ("de", "Passwort zurücksetzen"),
    ],
)
def test_the_reset_email_renders_in_every_language(language: str, subject: str) -> None:
    url = f"{BASE}/portal/password/reset/TOKEN"
    email = Renderer().render(
        "password_reset", language, {"name": "Siân", "reset_url": url, "minutes": 60}
    )
    assert email.subject.startswith(subject)
    assert url in email.text and f'<a href="{url}">' in email.html
    assert "60" in email.text and "Siân" in email.text
    if language == "cy":  # Welsh first, then English
        assert email.text.index("Gofynnodd rhywun") < email.text.index("Someone (we hope you)")
