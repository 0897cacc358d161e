"""The cohort page pages its upcoming meetings like its past ones, each list by its own cursor."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from network.portal.web import PAGE_SIZE
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import sign_in
from tests.support.portal_cohorts import into_the_past, scene, schedule


def _next_link(text: str, name: str) -> str:
    """The href of the pager whose cursor is the query parameter `name`."""
    links = [part.split('"')[0] for part in text.split('rel="next" href="?')[1:]]
    found = [link for link in links if link.rsplit("&amp;", 1)[-1].startswith(f"{name}=")]
    assert len(found) == 1, links
    return found[0].replace("&amp;", "&")


async def test_upcoming_meetings_are_paged_soonest_first(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    s = await scene(make, session)
    for n in range(PAGE_SIZE + 1):  # "Soon 00" is the soonest
        await schedule(session, s.cohort, days=10 + n, title=f"Soon {n:02d}")
    for n in range(PAGE_SIZE + 1):
        old = await schedule(session, s.cohort, days=60 + n, title=f"Before {n:02d}")
        await into_the_past(session, old.id, days=n + 1)
    await sign_in(client, s.email, PASSWORD)
    url = f"/portal/cohorts/{s.cohort.id}"

    first = await client.get(url)
    upcoming, past = first.text.split('id="past"')
    shown = [f"Soon {n:02d}" for n in range(PAGE_SIZE)]
    assert [title for title in shown if title in upcoming] == shown
    assert upcoming.index("Soon 00") < upcoming.index("Soon 01")
    assert f"Soon {PAGE_SIZE:02d}" not in first.text
    assert 'aria-label="Upcoming network meetings: Next page"' in upcoming

    # The next page of upcoming meetings keeps the past list where it was, and the reverse.
    second = await client.get(f"{url}?{_next_link(first.text, 'upcoming_after')}")
    assert second.status_code == 200
    upcoming, past = second.text.split('id="past"')
    assert f"Soon {PAGE_SIZE:02d}" in upcoming
    assert "Soon 00" not in upcoming
    assert "Before 00" in past
    assert 'aria-label="Upcoming network meetings: Next page"' not in second.text
    both = await client.get(f"{url}?{_next_link(second.text, 'after')}")
    upcoming, past = both.text.split('id="past"')
    assert f"Soon {PAGE_SIZE:02d}" in upcoming and "Soon 00" not in upcoming
    assert f"Before {PAGE_SIZE:02d}" in past and "Before 00" not in past

    forged = await client.get(f"{url}?upcoming_after=forged")  # a bad cursor starts again
    assert forged.status_code == 200
    assert "Soon 00" in forged.text.split('id="past"')[0]
