"""Anonymous callers learn nothing of the schema: no introspection, no "Did you mean" hints.
Signed-in users keep both (GraphiQL needs introspection)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import get_introspection_query

from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory

TYPO = "{ membrs { totalCount } }"
ENUM_TYPO = "query($n: Network) { members(filter: {network: $n}) { totalCount } }"


def disabled(field: str, column: int) -> dict[str, Any]:
    return {
        "message": "GraphQL introspection has been disabled, but the requested query "
        f"contained the field '{field}'.",
        "locations": [{"line": 1, "column": column}],
        "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"},
    }


@pytest.mark.parametrize("token", [None, "ncrm_not-a-valid-token"], ids=["none", "invalid"])
async def test_anonymous_callers_cannot_introspect(gql: GraphQL, token: str | None) -> None:
    assert await gql("{ __schema { queryType { name } } }", token=token) == {
        "data": None,
        "errors": [disabled("__schema", 3), disabled("queryType", 14)],
    }
    assert await gql('{ __type(name: "Member") { name } }', token=token) == {
        "data": None,
        "errors": [disabled("__type", 3)],
    }
    # The name of the type being answered is not introspection of the schema.
    assert await gql("{ __typename }", token=token) == {"data": {"__typename": "Query"}}


async def test_signed_in_users_introspect_as_graphiql_does(gql: GraphQL, make: Factory) -> None:
    token = await make.token(Role.PARTNER, partner=await make.partner())
    body = await gql(get_introspection_query(descriptions=True), token=token)
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"
    names = {t["name"] for t in body["data"]["__schema"]["types"]}
    assert {"Member", "RateLimit", "MemberConnection"} <= names


async def test_anonymous_callers_get_no_suggestions(gql: GraphQL, make: Factory) -> None:
    token = await make.token(Role.STAFF)
    anonymous = await gql(TYPO)
    signed_in = await gql(TYPO, token=token)
    assert [anonymous["errors"][0]["message"], signed_in["errors"][0]["message"]] == [
        "Cannot query field 'membrs' on type 'Query'.",
        "Cannot query field 'membrs' on type 'Query'. Did you mean 'members' or 'member'?",
    ]


async def test_anonymous_callers_get_no_suggestions_for_variables(
    gql: GraphQL, make: Factory
) -> None:
    token = await make.token(Role.STAFF)
    variables = {"n": "CITIZEN_POWERED_CITI"}
    anonymous = await gql(ENUM_TYPO, variables)
    signed_in = await gql(ENUM_TYPO, variables, token=token)
    plain = (
        "Variable '$n' has invalid value: "
        "Value 'CITIZEN_POWERED_CITI' does not exist in 'Network' enum."
    )
    assert anonymous["errors"][0]["message"] == plain
    assert signed_in["errors"][0]["message"].startswith(plain + " Did you mean")
