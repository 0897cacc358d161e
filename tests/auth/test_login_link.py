"""Members sign in by a one-time emailed link; the cookie lets them download their PDF."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import login_links
from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.config import get_settings
from network.db import utcnow
from network.kit.enums import Role
from network.kit.signing import sign
from network.messaging.models import OutboxMessage
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.portal import csrf_of
from tests.support.signin import run_asked_jobs
from tests.support.training import Attended

REQUEST = """
mutation($email: String!) {
  requestLoginLink(input: {email: $email}) { accepted userErrors { field code } }
}"""


async def _links(session: AsyncSession) -> list[OutboxMessage]:
    found = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "login_link")
    )
    return list(found.all())


async def test_a_member_signs_in_once_and_downloads_their_certificate(
    gql: GraphQL,
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
    attended: Attended,
) -> None:
    member = await make.member()
    holder = await make.contact(member, language="cy")
    await make.user(Role.MEMBER, contact=holder)
    training_session = await attended.session_with([holder])
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    same = {"data": {"requestLoginLink": {"accepted": True, "userErrors": []}}}
    assert await gql(REQUEST, {"email": "nobody@example.org"}) == same
    # The worker's job looks the address up (tests/support/signin.py runs it as arq would).
    assert await run_asked_jobs(session_factory, "nobody@example.org") == 1
    assert await _links(session) == []
    assert await gql(REQUEST, {"email": holder.email}) == same
    assert await _links(session) == []  # nothing until the job runs
    assert await run_asked_jobs(session_factory, holder.email) == 1
    (message,) = await _links(session)
    assert (message.to_email, message.language) == (holder.email, "cy")
    url = message.context["login_url"]
    base = get_settings().base_url.rstrip("/")
    assert url.startswith(f"{base}/login/")
    path = url.removeprefix(base)

    page = await client.get(path)  # only shows the "Sign in" button
    assert (page.status_code, page.headers["cache-control"]) == (200, "no-store")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<html lang="cy">' in page.text  # the holder's language
    assert f'<form method="post" action="{path}">' in page.text
    assert "set-cookie" not in page.headers
    signed_in = await client.post(path)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/portal/training")
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{login_links.COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert (await client.get(path)).status_code == 404
    assert (await client.post(path)).status_code == 404

    download = await client.get(f"/certificates/{certificate.id}.pdf")
    assert download.status_code == 200
    assert download.content == certificate.pdf
    client.cookies.clear()
    client.cookies.set(login_links.COOKIE_NAME, "forged.value")
    forged = await client.get(f"/certificates/{certificate.id}.pdf")
    assert forged.status_code == 404


async def _signed_in_by_link(client: httpx.AsyncClient, session: AsyncSession, email: str) -> str:
    """Ask for a link for `email`, use it, and return the certificate cookie it set."""
    before = {m.id for m in await _links(session)}
    await login_links.request_login_link(session, email)
    await session.commit()
    (message,) = [m for m in await _links(session) if m.id not in before]
    path = message.context["login_url"].removeprefix(get_settings().base_url.rstrip("/"))
    assert (await client.post(path)).status_code == 303
    cookie = client.cookies.get(login_links.COOKIE_NAME)
    assert cookie is not None
    return cookie


async def test_signing_out_ends_the_certificate_cookie_wherever_it_was_copied(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory, attended: Attended
) -> None:
    holder = await make.contact(await make.member())
    await make.user(Role.MEMBER, contact=holder)
    training_session = await attended.session_with([holder])
    (certificate,) = await certificates.issue_certificates(
        session, SYSTEM, session_id=training_session.id
    )
    copied = await _signed_in_by_link(client, session, holder.email)
    pdf = f"/certificates/{certificate.id}.pdf"
    assert (await client.get(pdf)).status_code == 200

    training = await client.get("/portal/training")
    out = await client.post("/portal/logout", data={"csrf": csrf_of(training.text)})
    assert out.status_code == 303
    dropped = [c for c in out.headers.get_list("set-cookie") if c.startswith("network_member=")]
    assert len(dropped) == 1 and "Max-Age=0" in dropped[0] and "Path=/" in dropped[0]
    assert client.cookies.get(login_links.COOKIE_NAME) is None
    assert (await client.get(pdf)).status_code == 404

    client.cookies.set(login_links.COOKIE_NAME, copied)  # kept from before the sign-out
    assert (await client.get(pdf)).status_code == 404


async def test_revoking_sessions_or_a_new_password_ends_the_certificate_cookie(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    holder = await make.contact(await make.member())
    user = await make.user(Role.MEMBER, contact=holder)

    cookie = await _signed_in_by_link(client, session, holder.email)
    found = await login_links.principal_from_cookie(session, cookie)
    assert found is not None and found.user_id == user.id
    assert await auth.revoke_sessions_of(session, SYSTEM, holder.email) == 1
    assert await login_links.principal_from_cookie(session, cookie) is None

    client.cookies.clear()
    cookie = await _signed_in_by_link(client, session, holder.email)
    assert await login_links.principal_from_cookie(session, cookie) is not None
    await auth.set_password(session, SYSTEM, holder.email, "a long enough password")
    assert await login_links.principal_from_cookie(session, cookie) is None

    # The former cookie named only the user (and outlived every sign-out): refused now.
    old_style = sign(get_settings().secret_key, "member-session", f"{user.id}~{2**40}")
    assert await login_links.principal_from_cookie(session, old_style) is None


async def test_a_link_expires_after_fifteen_minutes(session: AsyncSession, make: Factory) -> None:
    member = await make.member()
    contact = await make.contact(member)
    user = await make.user(Role.MEMBER, contact=contact)
    issued = utcnow()
    await login_links.request_login_link(session, contact.email, now=issued)
    (message,) = await _links(session)
    token = message.context["login_url"].rsplit("/", 1)[1]
    late = issued + timedelta(minutes=15)
    assert await login_links.redeem_login_link(session, token, now=late) is None
    early = issued + timedelta(minutes=14)
    assert await login_links.redeem_login_link(session, token, now=early) == user.id
    assert await login_links.redeem_login_link(session, token, now=early) is None


async def test_staff_and_partner_addresses_get_no_link(
    session: AsyncSession, make: Factory
) -> None:
    staff = await make.user(Role.STAFF)
    await login_links.request_login_link(session, staff.email)
    assert await _links(session) == []
