"""Unknown /portal paths and wrong methods answer the portal's own 404 page in the user's
language; HEAD on a portal page is served like GET."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.models import User
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import partner_user, sign_in

WELSH_NOT_FOUND = "Does dim byd yma, neu ni chewch ei weld."


async def test_an_unknown_portal_path_gets_the_404_page_in_the_chosen_language(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/portal/no/such/page?lang=cy")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert WELSH_NOT_FOUND in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    # The language cookie the ?lang= link set is enough next time.
    again = await client.get("/portal/nothing-here")
    assert again.status_code == 404
    assert WELSH_NOT_FOUND in again.text


async def test_a_wrong_method_on_a_portal_path_gets_the_404_page_in_the_cookies_language(
    client: httpx.AsyncClient,
) -> None:
    client.cookies.set("portal_lang", "cy", path="/portal")
    for method, url in (("PUT", "/portal/login"), ("POST", "/portal/certificates")):
        page = await client.request(method, url)
        assert page.status_code == 404, (method, url)
        assert WELSH_NOT_FOUND in page.text
        assert page.headers["cache-control"] == "no-store"
    english = await client.delete("/portal/login?lang=en")
    assert english.status_code == 404
    assert "There is nothing here, or you may not see it." in english.text


async def test_outside_the_portal_unknown_paths_keep_the_apis_answer(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no/such/page")
    assert page.status_code == 404
    assert page.json() == {"detail": "Not Found"}


async def test_a_signed_in_partner_sees_the_404_page_signed_in(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    page = await client.get("/portal/cohorts/nothing/else")
    assert page.status_code == 404
    assert wales["email"] in page.text


async def test_head_on_a_portal_page_is_served_like_get(client: httpx.AsyncClient) -> None:
    page = await client.head("/portal/login")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"


async def _language_of(session: AsyncSession, email: str) -> str | None:
    language: str | None = await session.scalar(select(User.language).where(User.email == email))
    return language


async def test_only_a_get_of_a_real_page_saves_the_chosen_language(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    before = await _language_of(session, wales["email"])
    head = await client.head("/portal/?lang=cy")
    assert head.status_code == 200
    unknown = await client.get("/portal/zzz?lang=fr")
    assert unknown.status_code == 404
    wrong_method = await client.post("/portal/certificates?lang=de")  # no CSRF token either
    assert wrong_method.status_code == 404
    assert await _language_of(session, wales["email"]) == before
    page = await client.get("/portal/?lang=cy")
    assert page.status_code == 200
    assert await _language_of(session, wales["email"]) == "cy"
