"""Email preferences in the portal: a member contact sees each purpose with its state and
words, withdraws or gives it again (channel FORM), and sees the ledger."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.consent.models import ConsentEvent
from tests.support.factories import Factory
from tests.support.portal import csrf_of
from tests.support.portal_certs import as_user, certificate_scene

PAGE = "/portal/email-preferences"


async def test_a_member_contact_unsubscribes_and_subscribes_again(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    scene = await certificate_scene(session, make)
    await as_user(client, scene, "member")
    training = await client.get("/portal/training")
    assert f'href="{PAGE}"' in training.text
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Network meeting invitations and reminders" in page.text
    assert "Invitations to your cohort" in page.text  # the words agreed to
    assert "No choices recorded yet" in page.text
    token = csrf_of(page.text)
    answer = await client.post(
        PAGE, data={"csrf": token, "purpose": "MEETING_INVITATIONS", "given": "no"}
    )
    assert (answer.status_code, answer.headers["location"]) == (303, f"{PAGE}?saved=1")
    after = await client.get(f"{PAGE}?saved=1")
    assert "Your choice is saved." in after.text
    assert "You have unsubscribed" in after.text and "Subscribe again" in after.text
    assert 'id="consent-ledger"' in after.text and "Form" in after.text
    await client.post(PAGE, data={"csrf": token, "purpose": "MEETING_INVITATIONS", "given": "yes"})
    rows = (
        await session.execute(
            select(ConsentEvent.purpose, ConsentEvent.given, ConsentEvent.channel)
            .where(ConsentEvent.contact_id == scene.holder.id)
            .order_by(ConsentEvent.id)
        )
    ).all()
    assert [(str(p), g, str(c)) for p, g, c in rows] == [
        ("MEETING_INVITATIONS", False, "FORM"),
        ("MEETING_INVITATIONS", True, "FORM"),
    ]
    bad = await client.post(PAGE, data={"csrf": token, "purpose": "SPAM", "given": "no"})
    assert bad.status_code == 422
    welsh = await client.get(f"{PAGE}?lang=cy")
    assert "Dewisiadau e-bost" in welsh.text
    # Welsh wording bilingually, Welsh first.
    assert welsh.text.index("Gwahoddiadau i gyfarfodydd eich carfan") < welsh.text.index(
        "Invitations to your cohort"
    )
