"""The cost of a request (network/api/core/cost.py), estimated before it runs, refused above
the per-request maximum, and reported in every response's `extensions.cost`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import parse
from sqlalchemy.ext.asyncio import AsyncSession

from network.api.core import guards
from network.api.core.cost import (
    ASSUMED_LIST_SIZES,
    INTROSPECTION_COST,
    MUTATION_COST,
    estimate,
)
from network.api.schema import schema
from network.config import Settings
from network.kit.enums import Role
from network.kit.pagination import MAX_PAGE_SIZE
from network.members import service as members
from tests.support.factories import Factory

SCHEMA = schema._schema
MAX_PAGE = MAX_PAGE_SIZE
MAX_COST = Settings.model_fields["graphql_max_cost"].default
BUDGET = Settings.model_fields["graphql_cost_budget_per_hour"].default
NESTED = "members(first: 100) { edges { node { contacts(first: 100) { edges { node { id } } } } } }"


def cost(document: str, variables: dict[str, Any] | None = None) -> int:
    return estimate(SCHEMA, parse(document), None, variables, MAX_PAGE)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param("{ __typename }", 1, id="the-least-a-request-costs"),
        pytest.param("{ viewer { email } }", 1, id="an-object"),
        pytest.param("{ members(first: 7) { totalCount } }", 7, id="a-page-costs-its-first"),
        pytest.param("{ members { totalCount } }", 20, id="first-absent-is-its-default"),
        pytest.param("{ members(first: 0) { totalCount } }", 1, id="an-empty-page-still-counts"),
        pytest.param("{ members(first: 5000) { totalCount } }", MAX_PAGE, id="at-most-a-page"),
        pytest.param(
            "{ members(first: 10) { edges { node { name partner { slug } } } "
            "pageInfo { hasNextPage } } }",
            10 * (1 + 1),
            id="objects-in-a-page-multiply",
        ),
        pytest.param(f"{{ {NESTED} }}", 100 * (1 + 100), id="nested-connections-multiply"),
        pytest.param(
            "{ members(first: 10) { edges { node { cohorts { name } } } } }",
            10 * (1 + ASSUMED_LIST_SIZES["Member.cohorts"]),
            id="a-list-of-known-size",
        ),
        pytest.param(
            "{ cohorts(first: 2) { edges { node { progress { steps { status } } } } } }",
            2 * (1 + ASSUMED_LIST_SIZES["Cohort.progress"] * (1 + 5)),
            id="lists-in-lists",
        ),
        pytest.param(
            'mutation { a: requestLoginLink(input: {email: "a@example.org"}) { userErrors '
            '{ field } } b: requestLoginLink(input: {email: "b@example.org"}) { userErrors '
            "{ field } } }",
            2 * MUTATION_COST,
            id="each-mutation-a-fixed-cost",
        ),
        pytest.param(
            'mutation { createCohort(input: {name: "C", network: CITIZEN_POWERED_CITY}) '
            "{ cohort { name members { name } } userErrors { field } } }",
            MUTATION_COST + 1 + ASSUMED_LIST_SIZES["Cohort.members"],
            id="a-mutation-and-its-payload",
        ),
        pytest.param(
            "{ __schema { types { name fields { name } } } }",
            INTROSPECTION_COST,
            id="introspection",
        ),
        pytest.param(
            '{ node(id: "x") { ... on Member { partner { slug } } ... on Cohort { name } } }',
            1 + 1,
            id="inline-fragments",
        ),
    ],
)
def test_the_cost_model(document: str, expected: int) -> None:
    assert cost(document) == expected


def test_variables_and_their_defaults_set_the_page_size() -> None:
    document = "query($n: Int = 7) { members(first: $n) { totalCount } }"
    assert [cost(document, {"n": 42}), cost(document), cost(document, {"n": None})] == [42, 7, 20]
    # A value the resolver will refuse is priced as the largest page.
    assert cost(document, {"n": "many"}) == MAX_PAGE


def test_fragments_are_priced_once_however_often_they_are_spread() -> None:
    # Each level spreads the one below twice: 2**12 spreads of the bottom fragment, priced in
    # one walk of each fragment.
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(12)
    )
    document = "{ ...F0 }\n" + fragments + "fragment F12 on Query { viewer { email } }"
    assert cost(document) == 2**12


def test_every_assumed_list_size_names_a_list_of_the_schema() -> None:
    for name in ASSUMED_LIST_SIZES:
        type_name, field_name = name.split(".")
        assert field_name in SCHEMA.type_map[type_name].fields, name  # type: ignore[union-attr]


async def _post(
    client: httpx.AsyncClient, session: AsyncSession, query: str, token: str, **variables: Any
) -> dict[str, Any]:
    await session.commit()
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_every_response_reports_its_cost_and_budget(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    before = datetime.now(UTC)
    body = await _post(client, session, "{ members(first: 5) { totalCount } }", token)
    reported = body["extensions"]["cost"]
    reset_at = datetime.fromisoformat(reported.pop("resetAt"))
    assert reported == {
        "requested": 5,
        "maximum": MAX_COST,
        "limit": BUDGET,
        "remaining": BUDGET - 5,
    }
    assert before < reset_at <= before + timedelta(hours=1, seconds=2)
    # A document that does not parse is charged the least a request costs.
    broken = await _post(client, session, "{ members { totalCount ", token)
    assert broken["extensions"]["cost"]["requested"] == 1
    assert broken["extensions"]["cost"]["remaining"] == BUDGET - 6


async def test_a_request_over_the_maximum_is_refused_before_any_resolver(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[object] = []

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise AssertionError("no resolver may run")

    monkeypatch.setattr(members, "list_members", spy)
    token = await make.token(Role.STAFF)
    over = 2 * 100 * (1 + 100)
    body = await _post(client, session, f"{{ a: {NESTED} b: {NESTED} }}", token)
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": f"This request would cost {over}, more than the {MAX_COST} one request "
            "may cost: ask for smaller pages (first) or fewer nested lists.",
            "extensions": {"code": "COST_LIMIT_EXCEEDED", "cost": over, "maximum": MAX_COST},
        }
    ]
    assert body["extensions"]["cost"]["requested"] == over
    assert body["extensions"]["cost"]["remaining"] == BUDGET - 1  # charged as the least request
    assert calls == []


async def test_variables_are_priced_before_the_request_runs(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    query = f"""query($n: Int!) {{ a: {NESTED}
      b: members(first: $n) {{ edges {{ node {{ contacts(first: $n) {{ totalCount }} }} }} }} }}"""
    small = await _post(client, session, query, token, n=10)
    assert "errors" not in small
    assert small["extensions"]["cost"]["requested"] == 100 * 101 + 10 * 11
    large = await _post(client, session, query, token, n=100)
    assert large["errors"][0]["extensions"]["code"] == "COST_LIMIT_EXCEEDED"


async def test_a_failure_inside_the_cost_check_is_masked_and_logged(
    client: httpx.AsyncClient,
    make: Factory,
    session: AsyncSession,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("estimator exploded: password=hunter2")

    monkeypatch.setattr(guards, "estimate", broken)
    token = await make.token(Role.STAFF)
    body = await _post(client, session, "{ viewer { email } }", token)
    error_id = body["errors"][0]["extensions"]["errorId"]
    assert body["data"] is None
    assert body["errors"][0]["message"] == f"Internal error; it has been logged as {error_id}."
    assert "hunter2" not in str(body)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
