"""GraphiQL on GET /graphql works offline: its page points at files the app serves itself."""

from __future__ import annotations

import re

import httpx


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
