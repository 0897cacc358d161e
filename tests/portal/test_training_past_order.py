"""/portal/sessions?past=1 lists the latest past session first, and pages on from there."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from network.db import utcnow
from network.portal.web import PAGE_SIZE
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import partner_with_contacts, sign_in
from tests.support.training import TrainingFactory


async def test_past_sessions_are_listed_latest_first(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    train = TrainingFactory(session)
    wales = await partner_with_contacts(make, session, ["Huw Owen"])
    then = utcnow() - timedelta(days=200)
    course = await train.course("Past briefing")
    for n in range(PAGE_SIZE + 1):  # "Past briefing 00" is the latest
        held = await train.course(f"Past briefing {n:02d}")
        await train.session_of(held, starts_at=utcnow() - timedelta(days=n + 1), now=then)
    await train.session_of(course, starts_at=utcnow() + timedelta(days=3))  # not past
    await session.commit()
    await sign_in(client, wales["user"].email, PASSWORD)

    first = await client.get("/portal/sessions?past=1")
    titles = [f"Past briefing {n:02d}" for n in range(PAGE_SIZE)]
    positions = [first.text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert f"Past briefing {PAGE_SIZE:02d}" not in first.text
    after = first.text.split('rel="next" href="?')[1].split('"')[0].replace("&amp;", "&")
    second = await client.get(f"/portal/sessions?{after}")
    assert f"Past briefing {PAGE_SIZE:02d}" in second.text
    assert "Past briefing 00" not in second.text
