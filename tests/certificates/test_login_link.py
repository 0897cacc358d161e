"""Members sign in by a one-time emailed link; the cookie lets them download their PDF."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import login_links
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.config import get_settings
from network.db import utcnow
from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from tests.certificates.conftest import Attended
from tests.conftest import GraphQL
from tests.factories import Factory

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
    assert await _links(session) == []
    assert await gql(REQUEST, {"email": holder.email}) == same
    (message,) = await _links(session)
    assert (message.to_email, message.language) == (holder.email, "cy")
    url = message.context["login_url"]
    base = get_settings().base_url.rstrip("/")
    assert url.startswith(f"{base}/login/")
    path = url.removeprefix(base)

    signed_in = await client.get(path)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/portal/training")
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{login_links.COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    again = await client.get(path)
    assert again.status_code == 404

    download = await client.get(f"/certificates/{certificate.id}.pdf")
    assert download.status_code == 200
    assert download.content == certificate.pdf
    client.cookies.clear()
    client.cookies.set(login_links.COOKIE_NAME, "forged.value")
    forged = await client.get(f"/certificates/{certificate.id}.pdf")
    assert forged.status_code == 404


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
