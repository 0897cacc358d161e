"""Members through GraphQL: create, update, list, filter, page; bad input changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.kit.enums import Network, Role
from network.members.models import Member
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid

CREATE = """
mutation($input: CreateMemberInput!) {
  createMember(input: $input) {
    member { name network country membershipStatus partner { slug } }
    userErrors { field code message }
  }
}"""

LIST = """
query($first: Int, $after: String, $filter: MemberFilter) {
  members(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { name country } }
  }
}"""


async def count_members(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Member))).scalar_one())


async def test_staff_creates_a_member_assigned_to_a_partner(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    await make.partner("wales")
    token = await make.token(Role.STAFF)
    result = await gql(
        CREATE,
        {
            "input": {
                "name": "Powys County Council",
                "network": "CITIZEN_POWERED_COUNCIL",
                "country": "gb",
                "partnerSlug": "wales",
            }
        },
        token=token,
    )
    assert result == {
        "data": {
            "createMember": {
                "member": {
                    "name": "Powys County Council",
                    "network": "CITIZEN_POWERED_COUNCIL",
                    "country": "GB",
                    "membershipStatus": "PROSPECT",
                    "partner": {"slug": "wales"},
                },
                "userErrors": [],
            }
        }
    }
    actions = (
        await session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "Member"))
    ).all()
    assert list(actions) == ["member.created"]


async def test_bad_member_input_names_each_field_and_writes_nothing(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = await count_members(session)
    result = await gql(
        CREATE,
        {
            "input": {
                "name": "   ",
                "network": "CITIZEN_POWERED_CITY",
                "country": "XX",
                "partnerSlug": "nowhere",
            }
        },
        token=token,
    )
    payload = result["data"]["createMember"]
    assert payload["member"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        ("name", "BLANK"),
        ("country", "UNKNOWN_COUNTRY"),
        ("partnerSlug", "NOT_FOUND"),
    ]
    assert await count_members(session) == before


async def test_list_filters_and_pages_through_members(gql: GraphQL, make: Factory) -> None:
    for name in ("Alpha Council", "Beta Council", "Gamma City", "Delta Council"):
        network = (
            Network.CITIZEN_POWERED_CITY if "City" in name else Network.CITIZEN_POWERED_COUNCIL
        )
        await make.member(name, network=network, country="FR" if "City" in name else "GB")
    token = await make.token(Role.STAFF)
    first = await gql(LIST, {"first": 2, "filter": {"search": "council"}}, token=token)
    page = first["data"]["members"]
    assert page["totalCount"] == 3
    assert [e["node"]["name"] for e in page["edges"]] == ["Alpha Council", "Beta Council"]
    assert page["pageInfo"]["hasNextPage"] is True
    second = await gql(
        LIST,
        {"first": 2, "after": page["pageInfo"]["endCursor"], "filter": {"search": "council"}},
        token=token,
    )
    assert [e["node"]["name"] for e in second["data"]["members"]["edges"]] == ["Delta Council"]
    assert second["data"]["members"]["pageInfo"]["hasNextPage"] is False
    by_country = await gql(
        LIST, {"filter": {"country": "FR", "network": "CITIZEN_POWERED_CITY"}}, token=token
    )
    assert [e["node"] for e in by_country["data"]["members"]["edges"]] == [
        {"name": "Gamma City", "country": "FR"}
    ]


async def test_update_member_changes_only_given_fields(gql: GraphQL, make: Factory) -> None:
    member = await make.member("Kent County Council")
    token = await make.token(Role.STAFF)
    result = await gql(
        """
      mutation($input: UpdateMemberInput!) {
        updateMember(input: $input) {
          member { name country membershipStatus } userErrors { field code }
        }
      }""",
        {"input": {"id": gid("Member", member), "membershipStatus": "ACTIVE"}},
        token=token,
    )
    assert result["data"]["updateMember"] == {
        "member": {"name": "Kent County Council", "country": "GB", "membershipStatus": "ACTIVE"},
        "userErrors": [],
    }


async def test_invalid_cursor_and_page_size_are_argument_errors(
    gql: GraphQL, make: Factory
) -> None:
    token = await make.token(Role.STAFF)
    bad_cursor = await gql(LIST, {"after": "not-a-cursor"}, token=token)
    assert bad_cursor["data"] is None
    assert bad_cursor["errors"][0]["extensions"] == {"code": "INVALID_CURSOR", "field": "after"}
    too_many = await gql(LIST, {"first": 1000}, token=token)
    assert too_many["errors"][0]["extensions"] == {"code": "INVALID_PAGE_SIZE", "field": "first"}
