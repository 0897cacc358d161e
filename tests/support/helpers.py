"""Helpers shared by the API tests: database snapshots and small response accessors."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from network.models import Base

Snapshot = dict[str, list[Any]]


async def table_counts(session: AsyncSession) -> dict[str, int]:
    """How many rows each table holds (every table the models know)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = int(
            (await session.execute(select(func.count()).select_from(table))).scalar_one()
        )
    return counts


# Bookkeeping of authentication, not data a request writes: a token's last use (written at most
# once a minute by any request that presents it).
NOT_SNAPSHOTTED = {"api_tokens": "last_used_at"}


def _row(table: str) -> str:
    """The SQL of one row of `table` as JSON, without its NOT_SNAPSHOTTED column."""
    column = NOT_SNAPSHOTTED.get(table)
    return f"(to_jsonb(r) - '{column}')" if column else "to_jsonb(r)"


def _snapshot_statement() -> str:
    # One round trip: every table's rows as JSON, in a stable order.
    parts = [
        f"'{t.name}', (SELECT coalesce(jsonb_agg({_row(t.name)} ORDER BY {_row(t.name)}::text),"
        f" '[]'::jsonb) FROM \"{t.name}\" r)"
        for t in Base.metadata.sorted_tables
    ]
    chunks = [parts[i : i + 40] for i in range(0, len(parts), 40)]  # 100 arguments at most
    objects = [f"jsonb_build_object({', '.join(chunk)})" for chunk in chunks]
    return "SELECT (" + " || ".join(objects) + ")::text"


async def snapshot(session: AsyncSession) -> Snapshot:
    """Every row of every table: equal snapshots mean nothing was written."""
    raw = (await session.execute(text(_snapshot_statement()))).scalar_one()
    state: Snapshot = orjson.loads(raw)
    return state


def error_codes(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, code) of each user error in a mutation payload."""
    return [(e["field"], e["code"]) for e in payload["userErrors"]]
