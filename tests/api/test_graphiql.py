"""GraphiQL on GET /graphql works offline: its page points at files the app serves itself, and
signed-in users (a token in its Headers tab) can introspect the schema it needs."""

from __future__ import annotations

import re

import httpx
from graphql import get_introspection_query
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.enums import Role
from tests.support.factories import Factory


async def test_graphiql_page_loads_only_local_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg.com" not in page.text
    assets = re.findall(r'(?:src|href)="(/static/graphiql/[^"]+)"', page.text)
    assert sorted(assets) == [
        "/static/graphiql/graphiql.min.css",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/js.cookie.min.js",
        "/static/graphiql/plugin-explorer.css",
        "/static/graphiql/plugin-explorer.umd.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/react.production.min.js",
    ]
    for asset in assets:
        response = await client.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 500, asset


async def test_graphiql_introspects_with_a_token_and_not_without(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession
) -> None:
    token = await make.token(Role.PARTNER, partner=await make.partner())
    await session.commit()
    # What GraphiQL sends when it opens: the introspection query, with the Headers tab's token.
    query = {"query": get_introspection_query(descriptions=True), "operationName": None}
    signed_in = await client.post(
        "/graphql", json=query, headers={"Authorization": f"Bearer {token}"}
    )
    anonymous = await client.post("/graphql", json=query)
    assert signed_in.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "errors" not in signed_in.json()
    assert anonymous.json()["data"] is None
    assert anonymous.json()["errors"][0]["message"].startswith("GraphQL introspection has been")
