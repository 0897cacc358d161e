"""Bearer tokens expire, record their last use at most once a minute, and end at once when
revoked, on a password reset, on `users revoke-sessions`, or when their contact is archived."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import login_links
from network.auth import service as auth
from network.auth.models import ApiToken, LoginLink, User
from network.auth.principal import SYSTEM
from network.config import get_settings
from network.db import utcnow
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.config import PASSWORD
from tests.support.factories import Factory, gid
from tests.support.portal import sign_in

VIEWER = "{ viewer { email } }"
REFUSED = {
    "data": None,
    "errors": [
        {
            "message": "The bearer token is invalid or revoked.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["viewer"],
            "extensions": {"code": "UNAUTHENTICATED"},
        }
    ],
}
ARCHIVE = """
mutation($id: ID!) {
  archiveContact(input: {id: $id}) { contact { archived } userErrors { code } }
}"""


async def _token_row(session: AsyncSession, token: str) -> ApiToken:
    statement = select(ApiToken).where(ApiToken.token_hash == auth.hash_token(token))
    return (await session.scalars(statement.execution_options(populate_existing=True))).one()


async def _works(gql: GraphQL, token: str) -> bool:
    """Whether the token is accepted (anything else must be the refusal of an unknown token)."""
    body = await gql(VIEWER, token=token)
    if body == REFUSED:
        return False
    assert "errors" not in body and body["data"]["viewer"]["email"], body
    return True


@pytest.fixture
def ttl_of_a_week(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """TOKEN_TTL_DAYS=7 in the environment, read afresh."""
    monkeypatch.setenv("TOKEN_TTL_DAYS", "7")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


async def test_a_token_lasts_ninety_days_and_is_refused_once_expired(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    row = await _token_row(session, token)
    assert row.prefix == token[:13] and row.last_used_at is None
    assert abs(row.expires_at - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
    assert await _works(gql, token)

    await session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert await gql(VIEWER, token=token) == REFUSED  # exactly as an unknown token


async def test_the_lifetime_comes_from_the_settings(
    ttl_of_a_week: None, make: Factory, session: AsyncSession
) -> None:
    row = await _token_row(session, await make.token(Role.STAFF))
    assert abs(row.expires_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)


async def test_last_use_is_written_at_most_once_a_minute(
    make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    first = utcnow()
    assert await auth.authenticate_token(session, token, now=first) is not None
    assert (await _token_row(session, token)).last_used_at == first

    soon = first + timedelta(seconds=59)
    assert await auth.authenticate_token(session, token, now=soon) is not None
    assert (await _token_row(session, token)).last_used_at == first  # not rewritten

    later = first + timedelta(seconds=61)
    assert await auth.authenticate_token(session, token, now=later) is not None
    assert (await _token_row(session, token)).last_used_at == later


async def test_a_request_records_the_last_use(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = utcnow()
    assert await _works(gql, token)
    used = (await _token_row(session, token)).last_used_at
    assert used is not None and used >= before
    assert await _works(gql, token)
    assert (await _token_row(session, token)).last_used_at == used


async def test_revoking_one_token_by_its_prefix_refuses_it_at_once(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    user = await make.user(Role.STAFF)
    kept, revoked = await make.token_for(user), await make.token_for(user)
    assert await _works(gql, revoked)
    assert await auth.revoke_tokens_of(session, SYSTEM, user.email, revoked[5:13]) == 1
    await session.commit()
    assert await gql(VIEWER, token=revoked) == REFUSED
    assert await _works(gql, kept)
    listed = await auth.list_tokens(session, SYSTEM, user.email)
    assert [(t.prefix, t.revoked_at is None) for t in listed] == [
        (kept[:13], True),
        (revoked[:13], False),
    ]
    assert await auth.revoke_tokens_of(session, SYSTEM, user.email) == 1
    await session.commit()
    assert await gql(VIEWER, token=kept) == REFUSED


async def test_users_revoke_sessions_revokes_the_tokens_too(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    user = await make.user(Role.STAFF)
    token = await make.token_for(user)
    assert await _works(gql, token)
    revoked = await auth.revoke_access_of(session, SYSTEM, user.email)
    assert (revoked.sessions, revoked.tokens) == (0, 1)
    await session.commit()
    assert await gql(VIEWER, token=token) == REFUSED


async def test_a_password_reset_revokes_the_tokens(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner)
    token = await make.token_for(user)
    assert await _works(gql, token)
    link = "reset-" + uuid.uuid4().hex
    session.add(
        LoginLink(
            user_id=user.id,
            token_hash=auth.hash_token(link),
            purpose=login_links.PASSWORD_RESET,
            expires_at=utcnow() + timedelta(minutes=30),
        )
    )
    await session.flush()  # the test's sessions do not autoflush
    hashed = await auth.hash_password("a brand new password")
    assert await login_links.reset_password(session, link, hashed) is not None
    await session.commit()
    assert await gql(VIEWER, token=token) == REFUSED


async def test_archiving_a_contact_ends_its_member_users_access_at_once(
    gql: GraphQL, client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    contact = await make.contact(await make.member())
    user = await make.user(Role.MEMBER, contact=contact)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    token = await make.token_for(user)
    staff = await make.token(Role.STAFF)
    await login_links.request_login_link(session, contact.email)
    await session.commit()
    assert await _works(gql, token)
    assert (await sign_in(client, user.email, PASSWORD)).status_code == 303
    assert (await client.get("/portal/training")).status_code == 200

    archived = await gql(ARCHIVE, {"id": gid("Contact", contact)}, token=staff)
    assert archived == {
        "data": {"archiveContact": {"contact": {"archived": True}, "userErrors": []}}
    }
    assert await gql(VIEWER, token=token) == REFUSED
    page = await client.get("/portal/training")
    assert page.status_code in (302, 303) and "/portal/login" in page.headers["location"]
    unused = await session.scalars(
        select(LoginLink.id).where(LoginLink.user_id == user.id, LoginLink.used_at.is_(None))
    )
    assert unused.all() == []
    still = await session.scalar(select(User.is_active).where(User.id == user.id))
    assert still is False  # the account stays, kept out until the contact is restored
