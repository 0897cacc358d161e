"""Free-text search takes %, _ and \\ literally in every list that offers it."""

from __future__ import annotations

from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory


async def test_cohort_search_takes_wildcards_literally(gql: GraphQL, make: Factory) -> None:
    await make.cohort("Cohort 100% Wales")
    await make.cohort("Cohort 1000 Scotland")
    token = await make.token(Role.STAFF)
    query = "query($s: String) { cohorts(filter: {search: $s}) { edges { node { name } } } }"
    percent = await gql(query, {"s": "100%"}, token=token)
    underscore = await gql(query, {"s": "10_0"}, token=token)
    plain = await gql(query, {"s": "cohort 10"}, token=token)
    assert percent["data"]["cohorts"]["edges"] == [{"node": {"name": "Cohort 100% Wales"}}]
    assert underscore["data"]["cohorts"]["edges"] == []
    assert [e["node"]["name"] for e in plain["data"]["cohorts"]["edges"]] == [
        "Cohort 100% Wales",
        "Cohort 1000 Scotland",
    ]
