"""Relay building blocks: the Node interface, connections with totalCount, id parsing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from network.api.context import Context, InvalidArgumentError
from network.kit.errors import DomainError
from network.kit.ids import parse_global_id
from network.kit.pagination import Page

NodeType = TypeVar("NodeType")


@strawberry.interface(description="An object with a global id, resolvable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="Where a page of a connection ends.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[NodeType]):
    node: NodeType
    cursor: str


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    _page: strawberry.Private[Page | None]
    _total: strawberry.Private[int | None]

    @strawberry.field(description="How many objects match, across all pages.")
    async def total_count(self, info: Info[Context, None]) -> int:
        if self._total is not None:
            return self._total
        assert self._page is not None
        return await self._page.total_count(info.context.session)


def connection_from_page(page: Page, to_node: Callable[[Any], NodeType]) -> Connection[NodeType]:
    """A connection holding one page of rows turned into GraphQL objects."""
    edges = [
        Edge(node=to_node(row), cursor=cursor)
        for row, cursor in zip(page.rows, page.cursors, strict=True)
    ]
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        _page=page,
        _total=None,
    )


def connection_from_rows(
    rows: Sequence[Any],
    total: int,
    first: int,
    to_node: Callable[[Any], NodeType],
    cursor_of: Callable[[Any], str],
) -> Connection[NodeType]:
    """A first-page connection from rows fetched in a batch (rows may hold one extra)."""
    shown = rows[:first]
    edges = [Edge(node=to_node(row), cursor=cursor_of(row)) for row in shown]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
        _page=None,
        _total=total,
    )


def decode_id(global_id: strawberry.ID | str | None, type_name: str) -> uuid.UUID | None:
    """The database id inside a global id of the expected type; None when it is not one."""
    if global_id is None:
        return None
    return parse_global_id(str(global_id), type_name)


def decode_filter_id(
    global_id: strawberry.ID | None, type_name: str, field: str
) -> uuid.UUID | None:
    """The database id inside a filter argument; a malformed one is an argument error."""
    if global_id is None:
        return None
    raw = parse_global_id(str(global_id), type_name)
    if raw is None:
        raise InvalidArgumentError(field, "INVALID_ID", f"'{global_id}' is not a {type_name} id.")
    return raw


def as_argument_error(error: DomainError) -> InvalidArgumentError:
    """A domain error raised while reading (bad cursor, page size) as a GraphQL error."""
    first = error.errors[0]
    return InvalidArgumentError(first.field, first.code, first.message)
