"""`requestLoginLink` looks nothing up: it owes a job for the address, and the job (run here
as the worker runs it) makes the link and owes its email, once however often it runs."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.auth.models import LoginLink, User
from network.auth.principal import SYSTEM
from network.config import Settings
from network.db import acting
from network.kit.enums import Role
from network.kit.owed import Job
from network.messaging.models import OutboxMessage
from tests.support.app import GraphQL
from tests.support.database import StatementCounter
from tests.support.factories import Factory
from tests.support.signin import asked_jobs
from workers.main import settings_for
from workers.signin import send_login_link_for, send_password_reset_for

REQUEST = """
mutation($email: String!) {
  requestLoginLink(input: {email: $email}) { accepted userErrors { field code } }
}"""
ACCEPTED = {"data": {"requestLoginLink": {"accepted": True, "userErrors": []}}}
TABLES = re.compile(r"\b(users|contacts|login_links|outbox_messages)\b")


async def _count(session: AsyncSession, model: type[LoginLink] | type[OutboxMessage]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_mutation_answers_alike_and_looks_nothing_up(
    gql: GraphQL,
    session: AsyncSession,
    make: Factory,
    count_statements: Callable[[], StatementCounter],
) -> None:
    holder = await make.contact(await make.member())
    await make.user(Role.MEMBER, contact=holder)
    nobody = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    await session.commit()
    links_before = await _count(session, LoginLink)
    await session.commit()  # nothing of the test's own left to commit while counting

    counter = count_statements()
    known = await gql(REQUEST, {"email": holder.email})
    known_statements = list(counter.statements)
    counter.reset()
    unknown = await gql(REQUEST, {"email": nobody})
    unknown_statements = list(counter.statements)

    assert known == unknown == ACCEPTED
    # The same statements for both (transaction bookkeeping only), none reading an account.
    assert len(known_statements) == len(unknown_statements)
    assert [s for s in known_statements + unknown_statements if TABLES.search(s)] == []
    assert await _count(session, LoginLink) == links_before
    # Each ask is a job for the worker, carrying the address and the id its link will take.
    (for_holder,) = await asked_jobs(holder.email)
    (for_nobody,) = await asked_jobs(nobody)
    assert [for_holder.function, for_nobody.function] == ["send_login_link", "send_login_link"]
    assert for_holder.job_id == f"send_login_link:{for_holder.args[0]}"
    assert holder.email not in (for_holder.job_id or "")


async def test_the_job_makes_the_link_once_however_often_it_runs(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], make: Factory
) -> None:
    holder = await make.contact(await make.member(), language="fr")
    user = await make.user(Role.MEMBER, contact=holder)
    await session.commit()
    ask = str(uuid.uuid4())
    with acting(SYSTEM):
        for _ in range(2):  # arq delivers at least once
            await send_login_link_for(session_factory, ask, holder.email)
    links = (await session.scalars(select(LoginLink).where(LoginLink.user_id == user.id))).all()
    assert [link.id for link in links] == [uuid.UUID(ask)]
    messages = (
        await session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == holder.email))
    ).all()
    assert [(m.template, m.language, m.dedup_key) for m in messages] == [
        ("login_link", "fr", f"login-link:{ask}")
    ]


async def test_the_job_sends_nothing_to_unknown_staff_partner_or_archived_addresses(
    session: AsyncSession, session_factory: async_sessionmaker[AsyncSession], make: Factory
) -> None:
    staff = await make.user(Role.STAFF)
    partner = await make.user(Role.PARTNER, partner=await make.partner())
    archived = await make.contact(await make.member())
    gone = await make.user(Role.MEMBER, contact=archived)
    gone.is_active = False  # what archiving its contact does (tests/auth/test_archived_access.py)
    await session.commit()
    links, messages = await _count(session, LoginLink), await _count(session, OutboxMessage)
    with acting(SYSTEM):
        for address in ("nobody@example.org", staff.email, partner.email, archived.email):
            await send_login_link_for(session_factory, str(uuid.uuid4()), address)
        # A reset link goes to partners' users, not to staff (who use the API) or the archived.
        for address in ("nobody@example.org", staff.email, archived.email):
            await send_password_reset_for(session_factory, str(uuid.uuid4()), address)
    assert (await _count(session, LoginLink), await _count(session, OutboxMessage)) == (
        links,
        messages,
    )
    with acting(SYSTEM):
        await send_password_reset_for(session_factory, str(uuid.uuid4()), partner.email)
    assert await _count(session, LoginLink) == links + 1
    assert await session.scalar(select(User.is_active).where(User.id == gone.id)) is False


def test_the_worker_runs_both_jobs(settings: Settings) -> None:
    names = {function.name for function in settings_for(settings)["functions"]}
    assert {Job.SEND_LOGIN_LINK.value, Job.SEND_PASSWORD_RESET.value} <= names
