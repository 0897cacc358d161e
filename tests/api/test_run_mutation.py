"""run_mutation: one unit of work; a unique key claimed at commit time is a DUPLICATE error."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.api.core.context import Context
from network.api.core.mutations import run_mutation
from network.auth.principal import SYSTEM, Principal
from network.config import Settings
from network.partners.models import Partner


async def test_a_unique_key_claimed_at_commit_is_a_duplicate_user_error(
    session_factory: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    async with session_factory() as first:
        first.add(Partner(slug="claimed-at-commit", name="First", countries=["GB"]))
        await first.commit()

    async def action(session: AsyncSession, principal: Principal) -> Partner:
        partner = Partner(slug="claimed-at-commit", name="Second", countries=["GB"])
        session.add(partner)  # not flushed: the unique key is checked by the commit
        return partner

    async with session_factory() as session:
        info: Any = SimpleNamespace(
            context=Context(session=session, principal=SYSTEM, settings=settings)
        )
        result, errors = await run_mutation(info, action)
        assert result is None
        assert [(e.field, e.code) for e in errors] == [("slug", "DUPLICATE")]
        count = await session.scalar(
            select(func.count()).select_from(Partner).where(Partner.slug == "claimed-at-commit")
        )
        assert count == 1
