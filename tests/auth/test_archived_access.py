"""An archived contact's member user cannot come back in: not by password, sign-in link, reset
link, an old portal cookie or a bearer token (even one made after the archiving), until the
contact is restored. (Ending what it held at the moment of archiving is in
tests/auth/test_token_lifecycle.py.)"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import service as auth
from network.auth.models import PASSWORD_RESET, LoginLink
from network.auth.principal import SYSTEM
from network.db import acting, utcnow
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.config import PASSWORD
from tests.support.factories import Factory, gid
from tests.support.portal import sign_in
from workers.signin import send_login_link_for, send_password_reset_for

VIEWER = "{ viewer { email } }"
ARCHIVE = """
mutation($id: ID!, $archived: Boolean) {
  archiveContact(input: {id: $id, archived: $archived}) { contact { archived } userErrors { code } }
}"""


async def _link(session: AsyncSession, user_id: uuid.UUID, purpose: str | None = None) -> str:
    """A live link for the user, written straight to the table (as if made just before)."""
    token = secrets.token_urlsafe(32)
    session.add(
        LoginLink(
            user_id=user_id,
            token_hash=auth.hash_token(token),
            expires_at=utcnow() + timedelta(minutes=10),
            **({"purpose": purpose} if purpose else {}),
        )
    )
    await session.commit()
    return token


async def test_an_archived_contact_cannot_sign_in_again_until_restored(
    gql: GraphQL,
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    contact = await make.contact(await make.member())
    user = await make.user(Role.MEMBER, contact=contact)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    staff = await make.token(Role.STAFF)
    await session.commit()
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    old_cookie = client.cookies.get("portal_session", path="/portal")
    client.cookies.clear()

    archived = await gql(ARCHIVE, {"id": gid("Contact", contact), "archived": True}, token=staff)
    assert archived["data"]["archiveContact"]["contact"] == {"archived": True}

    # A password, right or not, is refused alike.
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 401
    # No new link is made, by either job.
    links = select(func.count()).select_from(LoginLink).where(LoginLink.user_id == user.id)
    before = await session.scalar(links)
    with acting(SYSTEM):
        await send_login_link_for(session_factory, str(uuid.uuid4()), user.email)
        await send_password_reset_for(session_factory, str(uuid.uuid4()), user.email)
    assert await session.scalar(links) == before
    # A link that escaped (made just before, say) does not work either.
    sign_in_link = await _link(session, user.id)
    assert (await client.get(f"/login/{sign_in_link}")).status_code == 404
    assert (await client.post(f"/login/{sign_in_link}")).status_code == 404
    reset_link = await _link(session, user.id, PASSWORD_RESET)
    assert (await client.get(f"/portal/password/reset/{reset_link}")).status_code == 410
    # The old portal cookie, and a token staff make now, are refused.
    client.cookies.set("portal_session", old_cookie or "", path="/portal")
    assert (await client.get("/portal/training")).headers["location"] == "/portal/login"
    client.cookies.clear()
    late_token = await make.token_for(user)
    refused = await gql(VIEWER, token=late_token)
    assert refused["data"] is None
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    restored = await gql(ARCHIVE, {"id": gid("Contact", contact), "archived": False}, token=staff)
    assert restored["data"]["archiveContact"]["contact"] == {"archived": False}
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    assert (await gql(VIEWER, token=late_token))["data"] == {"viewer": {"email": user.email}}
