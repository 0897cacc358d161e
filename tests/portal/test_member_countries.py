"""The portal's "add a new member" form follows the API's rule: a partner creates members only
in its partnership's countries; another country is a form error on that field, in the page's
language, and nothing is created (not the member, nor its place in the cohort)."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.kit.enums import Network, Role
from network.members.models import Member
from tests.support.config import PASSWORD
from tests.support.factories import Factory
from tests.support.helpers import snapshot
from tests.support.portal import csrf_of, sign_in


async def test_a_new_member_outside_the_partners_countries_is_a_form_error(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    europe = await make.partner("europe", countries=["FR", "ES"])
    user = await make.user(Role.PARTNER, partner=europe)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    city = Network.CITIZEN_POWERED_CITY
    lyon = await make.member("Ville de Lyon", partner=europe, country="FR", network=city)
    cohort = await make.cohort("Cohorte Europe", partner=europe, network=city, members=[lyon])
    await session.commit()
    await sign_in(client, user.email, PASSWORD)
    url = f"/portal/cohorts/{cohort.id}/members"
    token = csrf_of((await client.get(url)).text)
    before = await snapshot(session)

    for country, language, text in (
        ("de", "en", "Not one of the partner&#39;s countries."),
        ("GB", "cy", "Nid yw&#39;n un o wledydd y partner."),
        ("IT", "fr", "Hors des pays du partenaire."),
    ):
        refused = await client.post(
            f"{url}?lang={language}",
            data={"csrf": token, "mode": "new", "new_name": "Berlin", "new_country": country},
        )
        assert refused.status_code == 422, country
        assert f'<div id="new_country-error" class="error">{text}</div>' in refused.text
        assert 'value="Berlin"' in refused.text
    assert await snapshot(session) == before

    made = await client.post(
        url, data={"csrf": token, "mode": "new", "new_name": "Sevilla", "new_country": "es"}
    )
    assert made.status_code == 303, made.text
    sevilla = (await session.scalars(select(Member).where(Member.name == "Sevilla"))).one()
    assert (sevilla.country, sevilla.partner_id) == ("ES", europe.id)
