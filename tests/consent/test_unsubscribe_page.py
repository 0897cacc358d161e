"""The public unsubscribe link: a page in the person's language, a one-click POST without a
cookie that withdraws consent once, and a 404 page for a link that names nothing."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.consent.links import read_unsubscribe_token, unsubscribe_path, unsubscribe_token
from network.consent.models import ConsentEvent
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import ConsentPurpose
from tests.support.factories import Factory

MEETINGS = ConsentPurpose.MEETING_INVITATIONS
ONE_CLICK = {"List-Unsubscribe": "One-Click"}


async def events(session: AsyncSession, contact_id: object) -> list[tuple[str, bool, str, object]]:
    rows = await session.execute(
        select(
            ConsentEvent.purpose,
            ConsentEvent.given,
            ConsentEvent.channel,
            ConsentEvent.recorded_by_user_id,
        ).where(ConsentEvent.contact_id == contact_id)
    )
    return [(str(p), g, str(c), u) for p, g, c, u in rows.all()]


def test_the_token_names_ids_only_and_refuses_a_forgery() -> None:
    contact_id = uuid.uuid4()
    token = unsubscribe_token(contact_id, MEETINGS)
    assert token.startswith(f"{contact_id.hex}-meetings.")
    named = read_unsubscribe_token(token)
    assert named is not None and (named.contact_id, named.purpose) == (contact_id, MEETINGS)
    forged = token.replace("-meetings.", "-news.")
    assert read_unsubscribe_token(forged) is None
    assert read_unsubscribe_token("not-a-token") is None


async def test_the_page_is_in_the_contacts_language_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    marie = await make.contact(await make.member(), "marie@lyon.example", language="fr")
    sian = await make.contact(await make.member(), "sian@powys.example", language="cy")
    await session.commit()
    page = await client.get(unsubscribe_path(marie.id, MEETINGS))
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Ne plus recevoir invitations et rappels des réunions du réseau ?" in page.text
    assert "marie@lyon.example" not in page.text
    assert page.headers["cache-control"] == "no-store"
    english = await client.get(unsubscribe_path(marie.id, MEETINGS) + "?lang=en")
    assert "Stop receiving network meeting invitations and reminders?" in english.text
    welsh = await client.get(unsubscribe_path(sian.id, ConsentPurpose.NETWORK_NEWS))
    text = welsh.text
    assert text.index("Peidio â chael newyddion y rhwydwaith?") < text.index(
        "Stop receiving network news?"
    )
    assert await events(session, marie.id) == []


async def test_one_click_without_a_cookie_withdraws_once(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member(), "quiet@example.org", language="de")
    await session.commit()
    path = unsubscribe_path(contact.id, MEETINGS)
    client.cookies.clear()
    for _ in range(2):  # a provider may POST twice; the page's button is the same POST
        answer = await client.post(path, data=ONE_CLICK)
        assert answer.status_code == 200
        assert "Sie erhalten keine Einladungen und Erinnerungen zu Netzwerktreffen mehr." in (
            answer.text
        )
    assert await events(session, contact.id) == [("MEETING_INVITATIONS", False, "EMAIL_LINK", None)]
    await session.refresh(contact)
    assert contact.email_opt_outs == ["programme"]
    again = await client.get(path)  # the link now says it is done
    assert "Sie haben abbestellt" in again.text


async def test_a_link_that_names_nothing_is_a_404_page(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member())
    await session.commit()
    good = unsubscribe_token(contact.id, MEETINGS)
    for token in ("nonsense", good[:-2] + "xx", good.replace("-meetings.", "-nope.")):
        for method in ("GET", "POST"):
            answer = await client.request(method, f"/unsubscribe/{token}", data=ONE_CLICK)
            assert answer.status_code == 404, (method, token)
            assert "This unsubscribe link is not valid." in answer.text
            assert "Traceback" not in answer.text
    gone = unsubscribe_path(uuid.uuid4(), MEETINGS)  # genuine, no such contact
    assert (await client.post(gone, data=ONE_CLICK)).status_code == 404
    assert await events(session, contact.id) == []


async def test_an_erased_persons_link_records_nothing(
    client: httpx.AsyncClient, session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member())
    await session.execute(
        update(Contact).where(Contact.id == contact.id).values(erased_at=utcnow())
    )
    await session.commit()
    answer = await client.post(unsubscribe_path(contact.id, MEETINGS), data=ONE_CLICK)
    assert answer.status_code == 200
    assert "You are unsubscribed" in answer.text
    assert await events(session, contact.id) == []
