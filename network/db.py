"""Engine, session factory, declarative base and the constraint naming convention."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import DateTime, MetaData, event, func, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, SessionTransaction, mapped_column
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


def created_at_column(info: dict[str, Any] | None = None) -> Mapped[datetime]:
    """A creation timestamp (set in Python so a flushed object needs no reload); `info` is
    the column's tag in the register of personal data (network/kit/pii.py)."""
    return mapped_column(default=utcnow, server_default=func.now(), info=info or {})


def updated_at_column(info: dict[str, Any] | None = None) -> Mapped[datetime]:
    """A last-change timestamp, bumped on every ORM update (`info`: as created_at_column)."""
    return mapped_column(
        default=utcnow, server_default=func.now(), onupdate=utcnow, info=info or {}
    )


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An asyncpg engine; statements are prepared and cached per connection by asyncpg."""
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)


# -- who is asking, for PostgreSQL's row-level security ---------------------------------------
#
# The second layer under the Python scope (network/auth/scope.py): every transaction a session
# begins switches to APP_ROLE (no BYPASSRLS; migration 0008 gives the partner-scoped tables
# their policies) and names its principal in transaction-local settings, so a query that
# forgot its scope still finds only the rows its caller may see. A session without a principal
# sees none of them.

APP_ROLE = "network_app"
PRINCIPAL = "network.principal"  # the key of a session's info holding its principal
ACTING = "network.acting"  # the key of a connection's info: whom its settings name now


class Acting(Protocol):
    """What the database needs of a principal (network.auth.principal.Principal has it)."""

    @property
    def kind(self) -> str: ...
    @property
    def partner_id(self) -> uuid.UUID | None: ...
    @property
    def contact_id(self) -> uuid.UUID | None: ...


_acting: ContextVar[Acting | None] = ContextVar("network_acting", default=None)

_ACT = text(
    "SELECT set_config('role', :role, true), set_config('network.principal_kind', :kind, true),"
    " set_config('network.partner_id', :partner, true),"
    " set_config('network.contact_id', :contact, true)"
)


def _act_params(principal: Acting | None) -> dict[str, Any]:
    if principal is None:
        return {"role": APP_ROLE, "kind": "", "partner": "", "contact": ""}
    return {
        "role": APP_ROLE,
        "kind": str(principal.kind),
        "partner": str(principal.partner_id or ""),
        "contact": str(principal.contact_id or ""),
    }


def principal_of(session: AsyncSession | Session) -> Acting | None:
    """Whom the session acts for: its own principal, else the one of the block it runs in."""
    own: Acting | None = session.info.get(PRINCIPAL)
    return own if own is not None else _acting.get()


def act_on(connection: Connection, principal: Acting | None) -> None:
    """The one statement that gives a connection's transaction its role and principal."""
    connection.execute(_ACT, _act_params(principal))
    connection.info[ACTING] = principal


@event.listens_for(Session, "after_begin")
def _act_on_begin(
    session: Session, transaction: SessionTransaction, connection: Connection
) -> None:
    """Every transaction a session begins acts for the session's principal."""
    act_on(connection, principal_of(session))


async def act_as(session: AsyncSession, principal: Acting) -> None:
    """Make `session` act for `principal`: from now on, and in every transaction it begins.

    For a session opened before its caller was known (the token or cookie is read first).
    """
    session.info[PRINCIPAL] = principal
    if session.in_transaction():
        connection = await session.connection()
        await connection.run_sync(act_on, principal)


async def act_as_on(connection: AsyncConnection, principal: Acting) -> None:
    """The same for a Core connection's open transaction (sessions do it by themselves)."""
    await connection.run_sync(act_on, principal)


@contextmanager
def acting(principal: Acting | None) -> Iterator[None]:
    """Sessions without a principal of their own, opened in this block, act for `principal`.

    A web request's dependency wraps its handler in this, so every session the handler opens
    (a portal page writes in a session of its own) acts for the signed-in caller.
    """
    token = _acting.set(principal)
    try:
        yield
    finally:
        _acting.reset(token)


def make_session_factory(
    engine: AsyncEngine, *, principal: Acting | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit (the unit of work ends at the boundary),
    acting for `principal` (workers and the CLI: the system) unless told otherwise."""
    factory = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
    if principal is not None:
        factory.configure(info={PRINCIPAL: principal})
    return factory


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
