"""My calendar feed in the portal: a member contact and a partner user make their feed, see
its URL once, renew it (the old URL then answers 404) and revoke it; in en, cy and fr."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.feeds.models import CalendarFeed
from tests.support.factories import Factory
from tests.support.portal import csrf_of
from tests.support.portal_certs import as_user, certificate_scene

FEED_URL = re.compile(r'value="https?://[^"]*(/calendar/ncal_[A-Za-z0-9_-]+\.ics)"')


async def make_feed(client: httpx.AsyncClient) -> str:
    """Press the button on the page; the path of the feed it shows."""
    page = await client.get("/portal/calendar-feed")
    answer = await client.post("/portal/calendar-feed", data={"csrf": csrf_of(page.text)})
    assert answer.status_code == 200, answer.text
    found = FEED_URL.search(answer.text)
    assert found, answer.text
    return found.group(1)


async def test_a_member_contact_makes_renews_and_revokes_its_feed(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "member")
    mine = await client.get("/portal/training")
    assert 'href="/portal/calendar-feed"' in mine.text
    page = await client.get("/portal/calendar-feed")
    assert page.status_code == 200
    assert "You have no calendar feed." in page.text and "Make my calendar feed" in page.text

    first = await make_feed(client)
    feed = await client.get(first)
    assert feed.status_code == 200 and scene.held.id.hex[:8] in feed.text.replace("-", "")
    again = await client.get("/portal/calendar-feed")
    assert "/calendar/ncal_" not in again.text  # shown once only
    assert 'id="feed-live"' in again.text and "Make a new address" in again.text

    second = await make_feed(client)
    assert second != first
    assert (await client.get(first)).status_code == 404
    assert (await client.get(second)).status_code == 200

    page = await client.get("/portal/calendar-feed")
    revoked = await client.post("/portal/calendar-feed/revoke", data={"csrf": csrf_of(page.text)})
    assert revoked.status_code == 303
    assert revoked.headers["location"] == "/portal/calendar-feed?revoked=1"
    shown = await client.get(revoked.headers["location"])
    assert (
        "its address no longer works" in shown.text and "You have no calendar feed." in shown.text
    )
    assert (await client.get(second)).status_code == 404
    rows = (await session.scalars(select(CalendarFeed))).all()
    assert [r.contact_id for r in rows] == [scene.holder.id] * 2
    assert all(r.revoked_at is not None for r in rows)

    # Nothing left to revoke: said next to the button, nothing changed.
    page = await client.get("/portal/calendar-feed")
    nothing = await client.post("/portal/calendar-feed/revoke", data={"csrf": csrf_of(page.text)})
    assert nothing.status_code == 422 and "no calendar feed to turn off" in nothing.text


async def test_a_partner_user_has_a_feed_of_its_own(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "partner A")
    home = await client.get("/portal/")
    assert 'href="/portal/calendar-feed"' in home.text
    path = await make_feed(client)
    assert (await client.get(path)).status_code == 200
    (row,) = (await session.scalars(select(CalendarFeed))).all()
    assert row.user_id is not None and row.contact_id is None


async def test_a_post_without_csrf_changes_nothing_and_anonymous_signs_in_first(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "member")
    refused = await client.post("/portal/calendar-feed", data={"csrf": "wrong"})
    assert refused.status_code == 403
    assert (await session.scalars(select(CalendarFeed))).all() == []
    await as_user(client, scene, "anonymous")
    assert (await client.get("/portal/calendar-feed")).status_code == 303


async def test_the_page_in_welsh_and_french(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "member")
    welsh = await client.get("/portal/calendar-feed?lang=cy")
    assert "Fy ffrwd calendr" in welsh.text and "Gwneud fy ffrwd calendr" in welsh.text
    french = await client.get("/portal/calendar-feed?lang=fr")
    assert "Mon agenda en ligne" in french.text and "Créer mon agenda en ligne" in french.text
