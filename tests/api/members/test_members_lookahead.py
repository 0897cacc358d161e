"""The members page loads what its nodes select up front; answers stay those of the loaders."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from network.kit.pagination import plain_rows, plain_values
from tests.support.app import GraphQL
from tests.support.database import StatementCounter
from tests.support.factories import Factory

QUERY = """
query($first: Int!, $many: Int!, $archived: Boolean!) {
  members(first: $first) {
    edges {
      node {
        name
        few: contacts(first: 2) { totalCount edges { node { lastName } } pageInfo { hasNextPage } }
        ...Rest
      }
    }
  }
}
fragment Rest on Member {
  ... on Member { partner { slug } }
  many: contacts(first: $many, includeArchived: $archived) {
    totalCount
    edges { cursor node { lastName } }
    pageInfo { hasNextPage endCursor }
  }
  cohorts { name }
}"""


async def _dataset(make: Factory) -> None:
    wales = await make.partner("lookahead-wales")
    alpha = await make.member("Alpha Lookahead Council", partner=wales)
    beta = await make.member("Beta Lookahead Council")
    for n in range(4):
        await make.contact(alpha, first_name="Ann", last_name=f"Alpha {n}")
    await make.contact(beta, first_name="Bob", last_name="Beta 0")
    await make.cohort("Lookahead Cohort", partner=wales, members=[alpha, beta])


async def test_aliases_fragments_and_variables_get_their_own_batches(
    gql: GraphQL, make: Factory
) -> None:
    await _dataset(make)
    token = await make.token(Role.STAFF)
    result = await gql(QUERY, {"first": 2, "many": 3, "archived": False}, token=token)
    assert "errors" not in result
    alpha, beta = (edge["node"] for edge in result["data"]["members"]["edges"])
    assert alpha["name"] == "Alpha Lookahead Council"
    assert alpha["few"] == {
        "totalCount": 4,
        "edges": [{"node": {"lastName": "Alpha 0"}}, {"node": {"lastName": "Alpha 1"}}],
        "pageInfo": {"hasNextPage": True},
    }
    assert [e["node"]["lastName"] for e in alpha["many"]["edges"]] == [
        "Alpha 0",
        "Alpha 1",
        "Alpha 2",
    ]
    assert alpha["many"]["totalCount"] == 4
    assert alpha["many"]["pageInfo"]["hasNextPage"] is True
    assert alpha["many"]["pageInfo"]["endCursor"] == alpha["many"]["edges"][-1]["cursor"]
    assert alpha["partner"] == {"slug": "lookahead-wales"}
    assert alpha["cohorts"] == [{"name": "Lookahead Cohort"}]
    assert beta["few"]["totalCount"] == 1
    assert beta["many"]["pageInfo"] == {
        "hasNextPage": False,
        "endCursor": beta["many"]["edges"][0]["cursor"],
    }
    assert beta["partner"] is None


async def test_the_statements_do_not_grow_with_the_page(
    gql: GraphQL, make: Factory, count_statements: Callable[[], StatementCounter]
) -> None:
    await _dataset(make)
    token = await make.token(Role.STAFF)
    await gql("{ viewer { email } }", token=token)  # records the token's use, once a minute
    counter = count_statements()
    counts = []
    for first in (1, 2):
        counter.reset()
        result = await gql(QUERY, {"first": first, "many": 3, "archived": True}, token=token)
        assert len(result["data"]["members"]["edges"]) == first
        counts.append(counter.count)
    assert counts[0] == counts[1]


async def test_plain_rows_keep_names_values_and_order(session: AsyncSession) -> None:
    rows = (await session.execute(select(text("1 AS one"), text("'b' AS two")))).all()
    plain = plain_rows(rows)
    assert [(row.one, row.two) for row in plain] == [(1, "b")]
    assert list(plain[0]) == list(rows[0])
    # a label that is no identifier keeps the Row as it came
    odd = (await session.execute(select(text('1 AS "not a name"')))).all()
    assert plain_rows(odd) is odd
    grouped = plain_values({"a": rows, "b": []})
    assert grouped["a"][0].two == "b" and grouped["b"] == []
