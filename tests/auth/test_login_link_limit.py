"""Asking for sign-in links is rate-limited, through the API and the portal alike."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.kit.enums import Role
from network.kit.ratelimit import EMAIL_ASKS_PER_ADDRESS
from network.messaging.models import OutboxMessage
from tests.support.app import GraphQL
from tests.support.factories import Factory
from tests.support.portal import csrf_of
from tests.support.signin import asked_jobs, run_asked_jobs

REQUEST = """
mutation($email: String!) {
  requestLoginLink(input: {email: $email}) { accepted userErrors { field code } }
}"""


async def _links_to(session: AsyncSession, email: str) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.template == "login_link", OutboxMessage.to_email == email)
        )
        or 0
    )


async def test_over_the_limit_the_answer_is_the_same_and_nothing_is_sent(
    gql: GraphQL,
    client: httpx.AsyncClient,
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    make: Factory,
) -> None:
    member = await make.member()
    holder = await make.contact(member)
    await make.user(Role.MEMBER, contact=holder)
    await session.commit()
    answers = [await gql(REQUEST, {"email": holder.email}) for _ in range(EMAIL_ASKS_PER_ADDRESS)]
    assert len(await asked_jobs(holder.email)) == EMAIL_ASKS_PER_ADDRESS
    over = await gql(REQUEST, {"email": holder.email.upper()})  # case does not dodge it
    assert (
        over == answers[0] == {"data": {"requestLoginLink": {"accepted": True, "userErrors": []}}}
    )
    assert len(await asked_jobs(holder.email.upper())) == 0  # no job owed over the limit

    # The portal's form counts against the same limit (and says so: the count is per address
    # asked for, whether or not it has an account, so this reveals nothing).
    page = await client.get("/portal/login")
    asked = await client.post(
        "/portal/login/link", data={"csrf": csrf_of(page.text), "email": holder.email}
    )
    assert asked.status_code == 429
    assert await run_asked_jobs(session_factory, holder.email) == EMAIL_ASKS_PER_ADDRESS
    assert await _links_to(session, holder.email) == EMAIL_ASKS_PER_ADDRESS
