"""The cohort page's progress form keeps the star in order: the error sits by the status."""

from __future__ import annotations

import httpx
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.programme.models import StepProgress
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, sign_in
from tests.support.portal_cohorts import scene


async def test_completing_a_step_before_an_earlier_one_is_started_is_shown_by_the_status(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"
    token = csrf_of((await client.get(url)).text)
    before = await session.scalar(select(func.count()).select_from(StepProgress))

    refused = await client.post(
        f"{url}/progress?lang=en",
        data={
            "csrf": token,
            "member": str(s.members[0].id),
            "step": "FOCUS_IT",
            "status": "COMPLETED",
            "notes": "Workshop held.",
        },
    )

    assert refused.status_code == 422
    message = escape("Map It is not started yet: the star is taken in order.")
    assert f'id="status-error" class="error">{message}' in refused.text
    assert "Workshop held." in refused.text  # the page is shown again with what was typed
    assert await session.scalar(select(func.count()).select_from(StepProgress)) == before
