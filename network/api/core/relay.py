"""Relay building blocks: the Node interface, `node(id:)` lookup, connections with totalCount."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Generator, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from network.api.core.context import AnyInfo
from network.api.core.errors import as_argument_error
from network.api.core.ids import decode_node_id
from network.kit.errors import DomainError
from network.kit.pagination import Page

NodeType = TypeVar("NodeType")
T = TypeVar("T")


class Later(Generic[T]):
    """An awaitable whose work starts only when it is awaited, i.e. when a client asks for it.

    A plain field may hold one: the executor awaits it like a resolver's result, without the
    cost of a resolver call for the many objects whose value is known outright.
    """

    __slots__ = ("_start",)

    def __init__(self, start: Callable[[], Awaitable[T]]) -> None:
        self._start = start

    def __await__(self) -> Generator[Any, None, T]:
        return self._start().__await__()


@strawberry.interface(description="An object with a global id, resolvable with `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.type(description="Where a page of a connection ends.")
class PageInfo:
    has_next_page: bool
    _last: strawberry.Private[Any]  # the last row shown, or None
    _cursor_of: strawberry.Private[Callable[[Any], str]]

    # Made only when asked for: nested connections rarely are.
    @strawberry.field
    def end_cursor(self) -> str | None:
        return None if self._last is None else self._cursor_of(self._last)


@strawberry.type
class Edge(Generic[NodeType]):
    node: NodeType
    _row: strawberry.Private[Any]
    _cursor_of: strawberry.Private[Callable[[Any], str]]

    # A cursor is made only for a client that asks for it (most ask for the end cursor only).
    @strawberry.field
    def cursor(self) -> str:
        return self._cursor_of(self._row)


@strawberry.type
class Connection(Generic[NodeType]):
    edges: list[Edge[NodeType]]
    page_info: PageInfo
    # Known outright for nested connections (counted in their batch query); for a page of a
    # list, the count statement runs only if the client asks for totalCount.
    total_count: int | Later[int] = strawberry.field(
        description="How many objects match, across all pages.", graphql_type=int
    )


def connection_from_page(page: Page, to_node: Callable[[Any], NodeType]) -> Connection[NodeType]:
    """A connection holding one page of rows turned into GraphQL objects."""
    cursor_of = page.cursor_of
    edges = [Edge(node=to_node(row), _row=row, _cursor_of=cursor_of) for row in page.rows]
    last = page.rows[-1] if page.rows else None
    return Connection(
        edges=edges,
        page_info=PageInfo(has_next_page=page.has_next_page, _last=last, _cursor_of=cursor_of),
        total_count=Later(page.total_count),
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
    edges = [Edge(node=to_node(row), _row=row, _cursor_of=cursor_of) for row in shown]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > first,
            _last=shown[-1] if shown else None,
            _cursor_of=cursor_of,
        ),
        total_count=total,
    )


def _fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:  # a fragment spread or an inline fragment: its fields count as selected here
            yield from _fields(selection.selections)


def selected_below(info: Info[Any, Any], *path: str) -> list[SelectedField]:
    """The fields selected under `path` of the field being resolved (fragments flattened).

    For a connection, `selected_below(info, "edges", "node")` names what each node will be
    asked for, so its relations can be loaded in one batch before the nodes are returned.
    """
    fields = list(_fields(info.selected_fields))  # the field itself, once per alias
    for name in ("", *path):
        fields = [
            child
            for field in fields
            if not name or field.name == name
            for child in _fields(field.selections)
        ]
    return fields


async def list_connection(
    fetch: Awaitable[Page], to_node: Callable[[Any], NodeType]
) -> Connection[NodeType]:
    """Await a service's page and wrap it; a bad `first` or `after` is an argument error."""
    try:
        page = await fetch
    except DomainError as error:
        raise as_argument_error(error) from error
    return connection_from_page(page, to_node)


NodeResolver = Callable[[AnyInfo, uuid.UUID], Awaitable["Node | None"]]
"""Finds one object of a node type by database id, as the caller may see it (else None)."""


async def resolve_node(
    info: AnyInfo, global_id: str, resolvers: Mapping[str, NodeResolver]
) -> Node | None:
    """The object a global id names, through the resolver of its type; None for the rest."""
    parsed = decode_node_id(global_id)
    if parsed is None:
        return None
    type_name, raw_id = parsed
    resolver = resolvers.get(type_name)
    return await resolver(info, raw_id) if resolver else None
