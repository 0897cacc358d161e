"""GraphQL document limits (network/api/schema.py): tokens and aliases, refused before execution."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import DocumentNode, Lexer, Source, TokenKind

from network.api.core import caches
from network.api.core.caches import (
    MAX_DOCUMENT_BYTES,
    MAX_TOTAL_BYTES,
    DocumentCache,
    validate_document,
)
from network.api.schema import document_cache_for
from network.config import Settings
from network.kit.enums import Role
from tests.support.app import GraphQL
from tests.support.config import ROOT
from tests.support.factories import Factory

EXAMPLES = ROOT / "graphql" / "examples"

MAX_TOKENS = Settings.model_fields["graphql_max_tokens"].default
MAX_ALIASES = Settings.model_fields["graphql_max_aliases"].default
MAX_DEPTH = Settings.model_fields["graphql_max_depth"].default


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


async def test_the_limits_keep_validation_cached(
    gql: GraphQL, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each limiter instance makes its own rule class; rules are part of the validation cache's
    # key, so the schema builds them once, or every request would validate again.
    validations: list[DocumentNode] = []

    def counting(schema: Any, document: DocumentNode, *args: Any) -> Any:
        validations.append(document)
        return validate_document(schema, document, *args)

    monkeypatch.setattr(caches, "validate_document", counting)
    document = "{ cached: __typename }"
    await gql(document)
    await gql(document)
    assert len(validations) == 1


def test_the_cache_keeps_small_documents_within_its_bytes() -> None:
    cache = DocumentCache(max_document_bytes=100, max_total_bytes=1000)
    documents = [f"{{ a{i:03}: __typename }}" + " " * 70 for i in range(100)]  # 90 bytes each
    first, _ = cache.parse(documents[0], {})
    for document in documents[1:]:
        cache.parse(document, {})
    assert (len(cache), cache.total_bytes) == (11, 990)
    assert cache.parse(documents[0], {})[0] is not first  # evicted long ago: parsed again
    # The least recently used leaves first: the oldest kept, once used, outlives a newer one.
    oldest, _ = cache.parse(documents[-10], {})
    cache.parse("{ b: __typename }" + " " * 73, {})
    assert cache.parse(documents[-10], {})[0] is oldest
    assert (len(cache), cache.total_bytes) == (11, 990)


def test_a_large_document_is_parsed_but_never_kept() -> None:
    cache = DocumentCache(max_document_bytes=100, max_total_bytes=1000)
    large = "{ __typename }" + " " * 200
    document, entry = cache.parse(large, {})
    assert document.definitions
    assert entry is None
    assert (len(cache), cache.total_bytes) == (0, 0)


async def test_distinct_large_documents_do_not_grow_the_apps_cache(gql: GraphQL) -> None:
    cache = document_cache_for(MAX_DEPTH, MAX_TOKENS, MAX_ALIASES)
    await gql("{ small: __typename }")
    before = (len(cache), cache.total_bytes)
    assert before[0] >= 1
    # Comments are not tokens: each document is large and distinct, and still within limits.
    for i in range(20):
        padding = f"# {i} " + "x" * MAX_DOCUMENT_BYTES
        assert await gql(f"{padding}\n{{ __typename }}") == {"data": {"__typename": "Query"}}
    assert (len(cache), cache.total_bytes) == before
    assert cache.total_bytes <= MAX_TOTAL_BYTES
