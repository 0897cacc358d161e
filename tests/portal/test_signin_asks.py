"""The portal's "email me a sign-in link" and "forgot your password?" forms look nothing up:
they owe a job for the address (the job's work is in tests/auth/test_login_link_job.py), so a
known and an unknown address get the same answer from the same statements."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.kit.enums import Role
from network.messaging.models import OutboxMessage
from tests.support.database import StatementCounter
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_user
from tests.support.signin import asked_jobs, run_asked_jobs

TABLES = re.compile(r"\b(users|contacts|login_links|outbox_messages)\b")


@pytest.mark.parametrize(
    ("form", "job", "template"),
    [
        ("/portal/login/link", "send_login_link", "login_link"),
        ("/portal/password/forgot", "send_password_reset", "password_reset"),
    ],
)
async def test_a_form_asking_for_an_email_answers_alike_and_looks_nothing_up(
    form: str,
    job: str,
    template: str,
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    count_statements: Callable[[], StatementCounter],
) -> None:
    holder = await make.contact(await make.member())
    await make.user(Role.MEMBER, contact=holder)
    await session.commit()
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    csrf = csrf_of((await client.get("/portal/login")).text)

    counter = count_statements()
    known = await client.post(form, data={"csrf": csrf, "email": holder.email})
    unknown = await client.post(form, data={"csrf": csrf, "email": nobody})
    assert [s for s in counter.statements if TABLES.search(s)] == []
    assert (known.status_code, known.headers["location"], known.text) == (
        unknown.status_code,
        unknown.headers["location"],
        unknown.text,
    )
    assert known.status_code == 303
    assert [j.function for j in await asked_jobs(holder.email)] == [job]
    assert [j.function for j in await asked_jobs(nobody)] == [job]

    # The worker's job does the rest: one email for the member, none for nobody.
    assert await run_asked_jobs(session_factory, holder.email) == 1
    assert await run_asked_jobs(session_factory, nobody) == 1
    sent = await session.scalars(
        select(OutboxMessage.to_email).where(
            OutboxMessage.template == template, OutboxMessage.to_email.in_([holder.email, nobody])
        )
    )
    assert sent.all() == [holder.email]


async def test_a_partner_gets_a_reset_link_through_the_job(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    partner = await partner_user(make, session)
    csrf = csrf_of((await client.get("/portal/password/forgot")).text)
    asked = await client.post(
        "/portal/password/forgot", data={"csrf": csrf, "email": partner["email"]}
    )
    assert asked.headers["location"] == "/portal/password/forgot?sent=1"
    assert await run_asked_jobs(session_factory, partner["email"]) == 1
    assert await run_asked_jobs(session_factory, partner["email"]) == 0  # taken off the queue
