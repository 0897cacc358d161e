"""What every portal page gets from web.py: NUL characters refused before any handler, and
the language links of a page shown for a form with errors."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.programme.models import StepProgress
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import csrf_of, partner_user, sign_in


async def test_a_nul_character_in_a_query_or_a_form_gets_the_400_page_and_changes_nothing(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    for url in ("/portal/members?q=%00", "/portal/certificates?q=a%00b", "/portal/?x%00=1"):
        page = await client.get(url)
        assert page.status_code == 400, url
        assert "This request cannot be used" in page.text
    welsh = await client.get("/portal/members?q=%00&lang=cy")
    assert "Nid oes modd defnyddio" in welsh.text

    cohort = wales["cohort"]
    token = csrf_of((await client.get(f"/portal/cohorts/{cohort.id}")).text)
    before = await session.scalar(select(func.count()).select_from(StepProgress))
    posted = await client.post(
        f"/portal/cohorts/{cohort.id}/progress",
        data={
            "csrf": token,
            "member": str(wales["members"][0].id),
            "step": "MAP_IT",
            "status": "IN_PROGRESS",
            "notes": "before\x00after",
        },
    )
    assert posted.status_code == 400
    assert await session.scalar(select(func.count()).select_from(StepProgress)) == before
    # The same form without the NUL is saved: the guard refused only the bad text.
    fine = await client.post(
        f"/portal/cohorts/{cohort.id}/progress",
        data={
            "csrf": token,
            "member": str(wales["members"][0].id),
            "step": "MAP_IT",
            "status": "IN_PROGRESS",
            "notes": "before after",
        },
    )
    assert fine.status_code == 303


async def test_the_language_links_of_a_form_with_errors_go_to_the_page_it_was_on(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    wales = await partner_user(make, session)
    await sign_in(client, wales["email"], PASSWORD)
    page_url = f"/portal/cohorts/{wales['cohort'].id}"
    token = csrf_of((await client.get(page_url)).text)
    answer = await client.post(
        f"{page_url}/progress",
        data={"csrf": token, "member": "x", "step": "MAP_IT", "status": "IN_PROGRESS"},
        headers={"referer": f"http://testserver{page_url}?member=x"},
    )
    assert answer.status_code == 422
    assert f'href="{page_url}?member=x&amp;lang=cy"' in answer.text
    assert "/progress?lang=" not in answer.text
    # Without a referer (or from another site) the links go home rather than to a POST address.
    bare = await client.post(
        f"{page_url}/progress",
        data={"csrf": token, "member": "x", "step": "MAP_IT", "status": "IN_PROGRESS"},
        headers={"referer": "https://elsewhere.example/portal/x"},
    )
    assert 'href="/portal/?lang=cy"' in bare.text


async def test_portal_pages_are_not_cached_framed_or_sniffed(client: httpx.AsyncClient) -> None:
    page = await client.get("/portal/login")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-content-type-options"] == "nosniff"
