"""Engine, session factory, declarative base and the constraint naming convention."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import DateTime, MetaData, func
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import Uuid

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every table; constraint names follow NAMING_CONVENTION."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True), uuid.UUID: Uuid()}


def uuid_pk() -> Mapped[uuid.UUID]:
    """A UUID primary key generated in Python, so new objects know their id before flush."""
    return mapped_column(primary_key=True, default=uuid.uuid4)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def created_at_column() -> Mapped[datetime]:
    """A creation timestamp (set in Python so a flushed object needs no reload)."""
    return mapped_column(default=utcnow, server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    """A last-change timestamp, bumped on every ORM update."""
    return mapped_column(default=utcnow, server_default=func.now(), onupdate=utcnow)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine; statements are prepared and cached per connection by asyncpg."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (the unit of work ends at the boundary)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


class AfterCommit(Protocol):
    """What runs once a unit of work has committed: hands the jobs it owes to the queue."""

    async def __call__(self, session: AsyncSession, /) -> object: ...


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession] | AsyncSession,
    *,
    after_commit: AfterCommit | None = None,
) -> AsyncIterator[AsyncSession]:
    """One transaction: commit once when the block succeeds, then flush the jobs it owes.

    Every face opens its writes with this: a GraphQL mutation, a portal form, a job, a CLI
    command. `sessions` is a session factory (the session is opened and closed here) or a
    session the caller keeps open (a GraphQL request's, which its DataLoaders read after the
    mutation). Once the commit succeeded, `after_commit(session)` (usually `JobQueue.flush`)
    enqueues what the transaction owes (network/kit/owed.py); on any error the transaction
    rolls back and what it owed is forgotten.
    """
    async with AsyncExitStack() as stack:
        if isinstance(sessions, AsyncSession):
            session = sessions
        else:
            session = await stack.enter_async_context(sessions())
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        if after_commit is not None:
            await after_commit(session)
