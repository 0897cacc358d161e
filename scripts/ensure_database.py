"""Create the database named in a PostgreSQL URL if it does not exist yet."""

from __future__ import annotations

import asyncio
import sys

import asyncpg
from sqlalchemy.engine import make_url


async def ensure(url: str, *, recreate: bool, drop: bool = False) -> None:
    """Connect to the server's maintenance database and create (or recreate, or drop) the
    target."""
    parsed = make_url(url)
    name = parsed.database
    dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    connection = await asyncpg.connect(dsn)
    try:
        if recreate or drop:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if drop:
            return
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


if __name__ == "__main__":
    flags = sys.argv[2:]
    asyncio.run(ensure(sys.argv[1], recreate="--recreate" in flags, drop="--drop" in flags))
