"""Authentication: no valid bearer token, no data; `viewer` says who is asking."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.models import ApiToken, User
from network.auth.principal import SYSTEM
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot

MISSING = "Authentication required: send Authorization: Bearer <token>."
INVALID = "The bearer token is invalid or revoked."

VIEWER = "query { viewer { email name role partner { slug } contact { email } } }"


def unauthenticated(message: str, path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "message": message,
        "locations": [{"line": line, "column": column}],
        "path": [path],
        "extensions": {"code": "UNAUTHENTICATED"},
    }


async def post(client: httpx.AsyncClient, query: str, headers: dict[str, str]) -> Any:
    response = await client.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert "cost" in body.pop("extensions")  # every response reports its cost
    return body


# Each query of the CRM, as (document, root field); the root field starts at column 3.
QUERIES = [
    ("{ viewer { email } }", "viewer"),
    ("{ partners { totalCount } }", "partners"),
    ("{ members { totalCount edges { node { name } } } }", "members"),
    ("{ contacts { totalCount } }", "contacts"),
    ("{ cohorts { totalCount } }", "cohorts"),
]

BAD_HEADERS = [
    ({}, MISSING),
    ({"Authorization": "Bearer ncrm_not-a-real-token"}, INVALID),
    ({"Authorization": "Bearer garbage"}, INVALID),
    ({"Authorization": "Bearer "}, INVALID),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, INVALID),
]


@pytest.mark.parametrize(("query", "field"), QUERIES)
async def test_queries_without_a_valid_token_get_an_authentication_error(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, query: str, field: str
) -> None:
    await make.member("Hidden Council")
    await session.commit()
    for headers, message in BAD_HEADERS:
        body = await post(client, query, headers)
        assert body == {"data": None, "errors": [unauthenticated(message, field, 1, 3)]}, headers


@pytest.mark.parametrize("field", ["member", "contact", "cohort", "node"])
async def test_nullable_lookups_without_a_valid_token_return_no_object(
    client: httpx.AsyncClient, make: Factory, session: AsyncSession, field: str
) -> None:
    member = await make.member("Hidden Council")
    await session.commit()
    query = f'{{ {field}(id: "{gid("Member", member)}") {{ id }} }}'
    for headers, message in BAD_HEADERS:
        body = await post(client, query, headers)
        assert body == {
            "data": {field: None},
            "errors": [unauthenticated(message, field, 1, 3)],
        }, headers


async def test_mutations_without_a_valid_token_change_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    before = await snapshot(session)
    for headers, message in BAD_HEADERS:
        body = await post(
            client,
            'mutation { createPartner(input: {slug: "x", name: "X", countries: []}) '
            "{ partner { slug } userErrors { code } } }",
            headers,
        )
        assert body == {
            "data": None,
            "errors": [unauthenticated(message, "createPartner", 1, 12)],
        }, headers
    assert await snapshot(session) == before


async def test_a_revoked_token_or_an_inactive_user_is_rejected(
    gql: GraphQL, make: Factory, session: AsyncSession
) -> None:
    revoked = await make.token(Role.STAFF)
    await session.execute(update(ApiToken).values(revoked_at=ApiToken.created_at))
    assert await gql("{ viewer { email } }", token=revoked) == {
        "data": None,
        "errors": [unauthenticated(INVALID, "viewer", 1, 3)],
    }
    inactive = await make.token(Role.STAFF)
    await session.execute(update(User).values(is_active=False))
    assert await gql("{ viewer { email } }", token=inactive) == {
        "data": None,
        "errors": [unauthenticated(INVALID, "viewer", 1, 3)],
    }


async def test_viewer_for_staff(gql: GraphQL, make: Factory) -> None:
    user = await make.user(Role.STAFF, email="liaison@citizenpowered.example")
    token = await _token_for(make, user.email)
    assert await gql(VIEWER, token=token) == {
        "data": {
            "viewer": {
                "email": "liaison@citizenpowered.example",
                "name": user.name,
                "role": "STAFF",
                "partner": None,
                "contact": None,
            }
        }
    }


async def test_viewer_for_a_partner_user(gql: GraphQL, make: Factory) -> None:
    wales = await make.partner("wales")
    user = await make.user(Role.PARTNER, partner=wales, email="partner@wales.example")
    token = await _token_for(make, user.email)
    assert await gql(VIEWER, token=token) == {
        "data": {
            "viewer": {
                "email": "partner@wales.example",
                "name": user.name,
                "role": "PARTNER",
                "partner": {"slug": "wales"},
                "contact": None,
            }
        }
    }


async def test_viewer_for_a_member_user(gql: GraphQL, make: Factory) -> None:
    member = await make.member("Isle of Anglesey County Council")
    contact = await make.contact(member, "gwenllian.ellis@ynysmon.example")
    user = await make.user(Role.MEMBER, contact=contact)
    token = await _token_for(make, user.email)
    assert await gql(VIEWER, token=token) == {
        "data": {
            "viewer": {
                "email": "gwenllian.ellis@ynysmon.example",
                "name": user.name,
                "role": "MEMBER",
                "partner": None,
                "contact": {"email": "gwenllian.ellis@ynysmon.example"},
            }
        }
    }


async def _token_for(make: Factory, email: str) -> str:
    token = await auth.create_token(make.session, SYSTEM, email)
    await make.session.commit()
    return token


async def test_tokens_are_stored_only_as_hashes(make: Factory, session: AsyncSession) -> None:
    token = await make.token(Role.STAFF)
    stored = (await session.execute(ApiToken.__table__.select())).one()
    assert token.startswith("ncrm_")
    assert token.encode() not in bytes(stored.token_hash)
    assert len(stored.token_hash) == 32
