"""Sign-in emails asked for without signing in: the job looks the address up, not the request,
so the request answers in the same time whether or not the address has an account.

Each job carries the ask's id, which becomes the id of the link it creates: arq may run a job
twice, and the second run finds the link and sends nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth import login_links
from network.auth.principal import SYSTEM
from network.db import AfterCommit, make_session_factory, unit_of_work
from workers.runtime import Runtime


async def send_login_link_for(
    sessions: async_sessionmaker[AsyncSession],
    ask_id: str,
    address: str,
    *,
    after_commit: AfterCommit | None = None,
) -> None:
    """Create the sign-in link and owe its email, if the address is a member's who may sign
    in; `after_commit` enqueues the delivery."""
    async with unit_of_work(sessions, after_commit=after_commit) as session:
        await login_links.request_login_link(session, address, link_id=uuid.UUID(ask_id))


async def send_password_reset_for(
    sessions: async_sessionmaker[AsyncSession],
    ask_id: str,
    address: str,
    *,
    after_commit: AfterCommit | None = None,
) -> None:
    """Create the password-reset link and owe its email, if the address has a portal account
    that may sign in; `after_commit` enqueues the delivery."""
    async with unit_of_work(sessions, after_commit=after_commit) as session:
        await login_links.request_password_reset(session, address, link_id=uuid.UUID(ask_id))


async def send_login_link(runtime: Runtime, ask_id: str, address: str) -> None:
    """The job owed by `requestLoginLink` and the portal's "email me a sign-in link"."""
    await send_login_link_for(
        make_session_factory(runtime.engine, principal=SYSTEM),
        ask_id,
        address,
        after_commit=runtime.jobs.flush,
    )


async def send_password_reset(runtime: Runtime, ask_id: str, address: str) -> None:
    """The job owed by the portal's "forgot your password?" form."""
    await send_password_reset_for(
        make_session_factory(runtime.engine, principal=SYSTEM),
        ask_id,
        address,
        after_commit=runtime.jobs.flush,
    )
