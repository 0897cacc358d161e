"""Members' initiatives tagged with the Four Co's: create, retag, list by tag, partner scope."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.meetings import Scene, tokens

CREATE = """
mutation($input: CreateInitiativeInput!) {
  createInitiative(input: $input) {
    initiative { id title fourCos starStep member { name } cohort { name } }
    userErrors { field code message }
  }
}"""
UPDATE = """
mutation($input: UpdateInitiativeInput!) {
  updateInitiative(input: $input) { initiative { title fourCos } userErrors { field code } }
}"""
LIST = """
query($filter: InitiativeFilter) {
  initiatives(filter: $filter) { totalCount edges { node { title fourCos } } }
}"""


async def test_a_partner_tags_its_members_initiatives_and_lists_them_by_co(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    keys = await tokens(make, scene)
    created = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", scene.powys),
                "title": "Young carers co-design the respite offer",
                "fourCos": ["CO_DESIGN", "CO_COMMISSIONING", "CO_DESIGN"],
                "cohortId": gid("Cohort", scene.cohort),
                "starStep": "PEOPLE_IT",
            }
        },
        token=keys["partner"],
    )
    payload = created["data"]["createInitiative"]
    assert payload["userErrors"] == []
    assert {k: v for k, v in payload["initiative"].items() if k != "id"} == {
        "title": "Young carers co-design the respite offer",
        "fourCos": ["CO_COMMISSIONING", "CO_DESIGN"],
        "starStep": "PEOPLE_IT",
        "member": {"name": "Powys County Council"},
        "cohort": {"name": "Wales cohort 1"},
    }
    initiative_id = payload["initiative"]["id"]
    retagged = await gql(
        UPDATE,
        {"input": {"id": initiative_id, "fourCos": ["CO_DELIVERY", "CO_ASSESSMENT"]}},
        token=keys["partner"],
    )
    assert retagged["data"]["updateInitiative"] == {
        "initiative": {
            "title": "Young carers co-design the respite offer",
            "fourCos": ["CO_DELIVERY", "CO_ASSESSMENT"],
        },
        "userErrors": [],
    }
    by_co = await gql(LIST, {"filter": {"fourCo": "CO_DELIVERY"}}, token=keys["partner"])
    assert by_co["data"]["initiatives"] == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "title": "Young carers co-design the respite offer",
                    "fourCos": ["CO_DELIVERY", "CO_ASSESSMENT"],
                }
            }
        ],
    }
    none = await gql(LIST, {"filter": {"fourCo": "CO_DESIGN"}}, token=keys["partner"])
    assert none["data"]["initiatives"] == {"totalCount": 0, "edges": []}

    # Another partner sees nothing and changes nothing.
    before = await snapshot(session)
    assert (await gql(LIST, token=keys["other"]))["data"]["initiatives"]["totalCount"] == 0
    denied = await gql(
        UPDATE, {"input": {"id": initiative_id, "title": "Mine now"}}, token=keys["other"]
    )
    assert denied["data"]["updateInitiative"] == {
        "initiative": None,
        "userErrors": [{"field": "id", "code": "NOT_FOUND"}],
    }
    foreign = await gql(
        CREATE,
        {"input": {"memberId": gid("Member", scene.powys), "title": "Mine", "fourCos": []}},
        token=keys["other"],
    )
    assert [e["code"] for e in foreign["data"]["createInitiative"]["userErrors"]] == ["NOT_FOUND"]
    node = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": initiative_id}, token=keys["other"]
    )
    assert node["data"] == {"node": None}
    assert await snapshot(session) == before
