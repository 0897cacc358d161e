"""Request body limits (network/limits.py): too large answers 413 before any handler runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import orjson

from network.config import Settings
from tests.support.database import StatementCounter

GRAPHQL_LIMIT = Settings.model_fields["max_graphql_body_bytes"].default
FORM_LIMIT = Settings.model_fields["max_form_body_bytes"].default


def oversized_document() -> bytes:
    """A GraphQL request just over the /graphql limit (the padding is a legal comment)."""
    query = "{ __typename }\n#" + "x" * GRAPHQL_LIMIT
    return orjson.dumps({"query": query})


async def chunks(body: bytes, size: int = 16_384) -> AsyncIterator[bytes]:
    """The body as a stream: httpx then sends no Content-Length (Transfer-Encoding: chunked)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def test_an_oversized_graphql_post_is_413_before_any_database_statement(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    response = await client.post(
        "/graphql",
        content=oversized_document(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer ncrm_whatever"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/json"
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert str(GRAPHQL_LIMIT) in error["message"]
    assert counter.statements == []


async def test_a_chunked_body_without_content_length_is_cut_off_at_the_limit(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    request = client.build_request(
        "POST",
        "/graphql",
        content=chunks(oversized_document()),
        headers={"Content-Type": "application/json"},
    )
    assert "content-length" not in request.headers
    response = await client.send(request)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert counter.statements == []


async def test_a_chunked_body_under_the_limit_reaches_the_handler_whole(
    client: httpx.AsyncClient,
) -> None:
    body = orjson.dumps({"query": "{ __typename }\n#" + "y" * 100_000})
    request = client.build_request(
        "POST", "/graphql", content=chunks(body, 1000), headers={"Content-Type": "application/json"}
    )
    response = await client.send(request)
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})


async def test_an_oversized_portal_form_is_413_with_a_plain_page(
    client: httpx.AsyncClient, count_statements: Callable[[], StatementCounter]
) -> None:
    counter = count_statements()
    form = {"email": "someone@example.org", "password": "p" * FORM_LIMIT, "csrf": "x"}
    response = await client.post("/portal/login", data=form)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "Request too large" in response.text
    assert counter.statements == []


async def test_a_form_larger_than_the_form_limit_still_fits_graphql(
    client: httpx.AsyncClient,
) -> None:
    # The form limit is for everything but /graphql: a document of that size is still served.
    body = orjson.dumps({"query": "{ __typename }\n#" + "z" * FORM_LIMIT})
    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, response.json()) == (200, {"data": {"__typename": "Query"}})
