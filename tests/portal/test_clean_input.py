"""The portal's forms and CSV files use the same rules as the API: names lose invisible
characters, addresses follow network/kit/emails.py, and no exported cell can run as a formula."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.contacts.models import Contact
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.portal import page_token, partner_user, sign_in


async def test_a_contact_added_in_the_portal_is_cleaned_and_exported_safely(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    world = await partner_user(make, session)
    member = world["members"][0]
    await sign_in(client, world["email"], PASSWORD)
    form = f"/portal/members/{member.id}/contacts/new"

    made = await client.post(
        form,
        data={
            "csrf": await page_token(client, form),
            "first_name": "\u202e\uff1dHYPERLINK(1)\u202c",  # RLO, fullwidth =, PDF
            "last_name": "Nú\u200bñez",
            "email": " José@Aberdare.example ",
            "job_title": "|calc",
            "language": "es",
        },
    )
    assert made.status_code == 303
    stored = (await session.scalars(select(Contact).where(Contact.member_id == member.id))).one()
    assert (stored.first_name, stored.last_name, stored.email, stored.job_title) == (
        "\uff1dHYPERLINK(1)",
        "Núñez",
        "josé@aberdare.example",
        "|calc",
    )

    blank = await client.post(
        form,
        data={
            "csrf": await page_token(client, form),
            "first_name": "\u2066\u2069",
            "last_name": "Jones",
            "email": "jones@aberdare.example",
        },
    )
    assert blank.status_code == 422
    assert "Required." in blank.text

    answer = await client.get(f"/portal/cohorts/{world['cohort'].id}/contacts.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [row[1:5] for row in rows[1:]] == [
        ["'\uff1dHYPERLINK(1)", "Núñez", "josé@aberdare.example", "'|calc"]
    ]
