"""`updatePartner`: staff change a partner's name and countries; the slug stays."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from network.kit.ids import to_global_id
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import error_codes, snapshot

UPDATE = """
mutation($input: UpdatePartnerInput!) {
  updatePartner(input: $input) {
    partner { slug name countries }
    userErrors { field code message }
  }
}
"""


async def test_staff_rename_a_partner_and_set_its_countries(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner("wales-partner", name="Wales", countries=["GB"])
    token = await make.token(Role.STAFF)
    body = await gql(
        UPDATE,
        {
            "input": {
                "partnerId": gid("Partner", partner),
                "name": " Partner in Wales ",
                "countries": ["gb", "IE", "GB"],
            }
        },
        token=token,
    )
    assert body == {
        "data": {
            "updatePartner": {
                "partner": {
                    "slug": "wales-partner",
                    "name": "Partner in Wales",
                    "countries": ["GB", "IE"],
                },
                "userErrors": [],
            }
        }
    }
    events = await audit.history(session, SYSTEM, "Partner", partner.id)
    assert events[0].action == "partner.updated"
    assert events[0].changes == {"name": "Partner in Wales", "countries": ["GB", "IE"]}


async def test_an_omitted_field_stays_as_it_is(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner(name="Wales", countries=["GB"])
    token = await make.token(Role.STAFF)
    body = await gql(
        UPDATE, {"input": {"partnerId": gid("Partner", partner), "name": "Cymru"}}, token=token
    )
    assert body["data"]["updatePartner"]["partner"]["countries"] == ["GB"]


async def test_bad_input_names_its_field_and_changes_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner()
    token = await make.token(Role.STAFF)
    await session.commit()
    before = await snapshot(session)
    body = await gql(
        UPDATE,
        {"input": {"partnerId": gid("Partner", partner), "name": "", "countries": ["GB", "XX"]}},
        token=token,
    )
    payload = body["data"]["updatePartner"]
    assert payload["partner"] is None
    assert [f for f, _ in error_codes(payload)] == ["name", "countries[1]"]
    missing = await gql(
        UPDATE,
        {"input": {"partnerId": to_global_id("Partner", uuid.uuid4()), "name": "X"}},
        token=token,
    )
    assert error_codes(missing["data"]["updatePartner"]) == [("partnerId", "NOT_FOUND")]
    assert await snapshot(session) == before


async def test_a_partner_user_may_not_change_even_its_own_partner(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    partner = await make.partner(name="Wales")
    token = await make.token(Role.PARTNER, partner=partner)
    body = await gql(
        UPDATE, {"input": {"partnerId": gid("Partner", partner), "name": "Mine"}}, token=token
    )
    assert error_codes(body["data"]["updatePartner"]) == [("partnerId", "FORBIDDEN")]
