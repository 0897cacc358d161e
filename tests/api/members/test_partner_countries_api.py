"""A partner creates members only in its partnership's countries, and changes or moves them only
within those countries; the refusal is a user error on `country` and changes nothing. Staff
may put a member in any country."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Network, Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot

CREATE = """
mutation($input: CreateMemberInput!) {
  createMember(input: $input) {
    member { name country partner { slug } } userErrors { field code message }
  }
}"""
UPDATE = """
mutation($input: UpdateMemberInput!) {
  updateMember(input: $input) { member { name country } userErrors { field code message } }
}"""


def new_member(country: str, **extra: str) -> dict[str, Any]:
    return {
        "input": {
            "name": "Ville de Nantes",
            "network": "CITIZEN_POWERED_CITY",
            "country": country,
            **extra,
        }
    }


def outside(country: str, covered: str, *, new: bool = True) -> dict[str, Any]:
    ending = (
        "only network staff can put a member there."
        if new
        else "only network staff can change this member."
    )
    return {
        "member": None,
        "userErrors": [
            {
                "field": "country",
                "code": "OUTSIDE_PARTNER_COUNTRIES",
                "message": f"{country} is not one of your partnership's countries ({covered}); "
                + ending,
            }
        ],
    }


async def test_a_partner_creates_members_only_in_its_countries(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    europe = await make.partner("europe", countries=["FR", "DE", "ES"])
    token = await make.token(Role.PARTNER, partner=europe)
    before = await snapshot(session)
    for country in ("GB", "gb", "IT"):
        result = await gql(CREATE, new_member(country), token=token)
        assert result["data"]["createMember"] == outside(country.upper(), "FR, DE, ES")
    # Claiming its own slug does not widen the rule.
    claimed = await gql(CREATE, new_member("GB", partnerSlug="europe"), token=token)
    assert claimed["data"]["createMember"] == outside("GB", "FR, DE, ES")
    assert await snapshot(session) == before

    for country in ("FR", "de"):
        made = await gql(CREATE, new_member(country), token=token)
        assert made["data"]["createMember"] == {
            "member": {
                "name": "Ville de Nantes",
                "country": country.upper(),
                "partner": {"slug": "europe"},
            },
            "userErrors": [],
        }


async def test_an_unknown_country_is_that_error_alone(gql: GraphQL, make: Factory) -> None:
    wales = await make.partner("wales", countries=["GB"])
    token = await make.token(Role.PARTNER, partner=wales)
    result = await gql(CREATE, new_member("XX"), token=token)
    errors = result["data"]["createMember"]["userErrors"]
    assert [(e["field"], e["code"]) for e in errors] == [("country", "UNKNOWN_COUNTRY")]


async def test_staff_creates_and_moves_members_anywhere(gql: GraphQL, make: Factory) -> None:
    await make.partner("wales", countries=["GB"])
    staff = await make.token(Role.STAFF)
    made = await gql(CREATE, new_member("FR", partnerSlug="wales"), token=staff)
    member = made["data"]["createMember"]
    assert (member["member"]["country"], member["userErrors"]) == ("FR", [])
    mine = await make.member("Powys County Council", country="GB")
    moved = await gql(UPDATE, {"input": {"id": gid("Member", mine), "country": "ES"}}, token=staff)
    assert moved["data"]["updateMember"] == {
        "member": {"name": "Powys County Council", "country": "ES"},
        "userErrors": [],
    }


async def test_a_partner_moves_its_members_only_between_its_countries(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    europe = await make.partner("europe", countries=["FR", "DE", "ES"])
    token = await make.token(Role.PARTNER, partner=europe)
    lyon = await make.member("Ville de Lyon", partner=europe, country="FR")
    moved = await gql(UPDATE, {"input": {"id": gid("Member", lyon), "country": "es"}}, token=token)
    assert moved["data"]["updateMember"] == {
        "member": {"name": "Ville de Lyon", "country": "ES"},
        "userErrors": [],
    }
    before = await snapshot(session)
    refused = await gql(
        UPDATE,
        {"input": {"id": gid("Member", lyon), "country": "GB", "name": "Lyon"}},
        token=token,
    )
    assert refused["data"]["updateMember"] == outside("GB", "FR, DE, ES")
    assert await snapshot(session) == before


async def test_a_partner_changes_no_member_outside_its_countries(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    """Staff may put a member of another country in a partner's cohort; the partner sees it
    there, but changing it (or moving it into one of its countries) is for staff."""
    europe = await make.partner("europe", countries=["FR"])
    token = await make.token(Role.PARTNER, partner=europe)
    kent = await make.member(
        "Kent County Council", country="GB", network=Network.CITIZEN_POWERED_CITY
    )
    await make.cohort(
        "Cohorte Europe", partner=europe, network=Network.CITIZEN_POWERED_CITY, members=[kent]
    )
    await session.commit()
    before = await snapshot(session)
    for changes in ({"name": "Kent CC"}, {"country": "FR"}, {"region": "South East"}):
        result = await gql(UPDATE, {"input": {"id": gid("Member", kent), **changes}}, token=token)
        assert result["data"]["updateMember"] == outside("GB", "FR", new=False), changes
    assert await snapshot(session) == before
