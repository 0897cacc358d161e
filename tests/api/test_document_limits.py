"""GraphQL document limits (network/api/schema.py): tokens and aliases, refused before execution."""

from __future__ import annotations

from graphql import Lexer, Source, TokenKind
from strawberry.extensions.validation_cache import _get_validate_cache

from network.config import Settings
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.config import ROOT
from tests.support.factories import Factory

EXAMPLES = ROOT / "graphql" / "examples"

MAX_TOKENS = Settings.model_fields["graphql_max_tokens"].default
MAX_ALIASES = Settings.model_fields["graphql_max_aliases"].default


def token_count(document: str) -> int:
    """The tokens of a document as the parser counts them (punctuators included)."""
    lexer, count = Lexer(Source(document)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


def aliased(count: int) -> str:
    """A query selecting __typename under `count` aliases."""
    return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"


async def test_an_alias_flood_is_refused_with_an_error_and_no_data(gql: GraphQL) -> None:
    body = await gql(aliased(MAX_ALIASES + 1))
    assert body.get("data") is None
    assert f"Allowed: {MAX_ALIASES}" in body["errors"][0]["message"]


async def test_a_token_flood_is_refused_with_an_error_and_no_data(gql: GraphQL) -> None:
    # One field repeated: about MAX_TOKENS + 3 tokens, no alias at all.
    body = await gql("{ " + "__typename " * MAX_TOKENS + "}")
    assert body.get("data") is None
    assert f"more than {MAX_TOKENS} tokens" in body["errors"][0]["message"]


async def test_documents_at_the_limits_pass(gql: GraphQL) -> None:
    assert await gql(aliased(MAX_ALIASES)) == {
        "data": {f"a{i}": "Query" for i in range(MAX_ALIASES)}
    }
    # Inline fragments of 11 tokens each, padded with fields: exactly MAX_TOKENS tokens.
    fragments, rest = divmod(MAX_TOKENS - 2, 11)
    document = "{ " + "... @include(if: true) { __typename } " * fragments
    document += "__typename " * rest + "}"
    assert token_count(document) == MAX_TOKENS
    assert await gql(document) == {"data": {"__typename": "Query"}}


async def test_the_example_documents_pass(gql: GraphQL, make: Factory) -> None:
    token = await make.token(Role.STAFF)
    members = (EXAMPLES / "members.graphql").read_text(encoding="utf-8")
    response = await gql.client.post(
        "/graphql",
        json={"query": members, "operationName": "Members", "variables": {"first": 5}},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["members"]["totalCount"] >= 0


async def test_the_limits_keep_validation_cached(gql: GraphQL) -> None:
    # Each limiter instance makes its own rule class; rules are part of ValidationCache's key,
    # so the schema builds them once, or every request would validate again.
    cache = _get_validate_cache(512)
    document = "{ cached: __typename }"
    await gql(document)
    hits = cache.cache_info().hits
    await gql(document)
    assert cache.cache_info().hits == hits + 1
