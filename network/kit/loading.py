"""Loading one entity for a change, through the caller's scope."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.kit.errors import NotFound

EntityT = TypeVar("EntityT")


async def load_visible(
    session: AsyncSession,
    model: type[EntityT],
    entity_id: uuid.UUID | None,
    visible: ColumnElement[bool],
    *,
    field: str,
    what: str,
    for_update: bool = True,
) -> EntityT:
    """The entity with this id if `visible` lets the caller see it, locked for the change.

    A hidden entity and a missing one raise the same NotFound on `field`, so a caller cannot
    tell them apart. The lock refreshes the entity (another transaction may just have changed
    it).
    """
    if entity_id is None:
        raise NotFound(field, what)
    id_column: Any = model.id  # type: ignore[attr-defined]
    statement = select(model).where(id_column == entity_id, visible)
    if for_update:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    entity = (await session.scalars(statement)).one_or_none()
    if entity is None:
        raise NotFound(field, what)
    return entity


async def rows_by_id(
    session: AsyncSession, readable: Select[Any], ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """The rows of a scoped `readable` statement whose id is among `ids`, keyed by id.

    Missing and hidden ids are simply absent: this is what the per-request DataLoaders batch.
    """
    statement = readable.where(readable.selected_columns.id.in_(ids))
    return {row.id: row for row in (await session.execute(statement)).all()}
