"""What the download routes share: a database session from the app's session factory, and
the caller (a bearer token, else a member's certificate cookie, else anonymous)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import login_links
from network.auth.principal import ANONYMOUS, Principal
from network.auth.service import check_token, record_token_use
from network.db import act_as, unit_of_work
from network.kit.ids import parse_uuid


async def db_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session of the app's factory (made in its lifespan), open for the handler."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


Db = Annotated[AsyncSession, Depends(db_session, scope="function")]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


async def caller(request: Request, session: Db) -> Principal:
    """The caller: a bearer token, else a member's sign-in cookie, else anonymous; the
    session acts for it from then on (row-level security)."""
    principal = await _identify(request, session)
    await act_as(session, principal)
    return principal


async def _identify(request: Request, session: AsyncSession) -> Principal:
    token = _bearer(request)
    if token:
        found, due = await check_token(session, token)
        if due is not None:  # the token's last use, written at most once a minute
            async with unit_of_work(session):
                await record_token_use(session, due)
        return found or ANONYMOUS
    cookie = request.cookies.get(login_links.COOKIE_NAME)
    if cookie:
        return await login_links.principal_from_cookie(session, cookie) or ANONYMOUS
    return ANONYMOUS


Caller = Annotated[Principal, Depends(caller)]


def parse_id(raw: str) -> uuid.UUID | None:
    """An id from the path, or None when it is not one (it then reads as not found)."""
    return parse_uuid(raw)
