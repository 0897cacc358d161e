"""GraphQL errors raised on purpose, and the argument checks that raise them."""

from __future__ import annotations

from graphql import GraphQLError

from network.kit.errors import DomainError
from network.kit.pagination import MAX_PAGE_SIZE


class AuthenticationError(GraphQLError):
    """No valid bearer token came with a request that needs one."""

    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


class InvalidArgumentError(GraphQLError):
    """A query argument (not a mutation input) was not acceptable."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message, extensions={"code": code, "field": field})


def as_argument_error(error: DomainError) -> InvalidArgumentError:
    """A domain error raised while reading (bad cursor, page size) as a GraphQL error."""
    first = error.errors[0]
    return InvalidArgumentError(first.field, first.code, first.message)


def filter_text(value: str | None, field: str) -> str | None:
    """A filter's text; text the database cannot hold (a NUL character) is an argument error."""
    if value is not None and "\x00" in value:
        raise InvalidArgumentError(
            field, "INVALID_CHARACTER", "Text must not contain NUL (U+0000) characters."
        )
    return value


def page_size(first: int | None, default: int) -> int:
    """The size of a nested connection's page; outside 0..MAX_PAGE_SIZE is an argument error."""
    size = default if first is None else first
    if size < 0 or size > MAX_PAGE_SIZE:
        raise InvalidArgumentError(
            "first", "INVALID_PAGE_SIZE", f"first must be between 0 and {MAX_PAGE_SIZE}."
        )
    return size
