"""The real PostgreSQL: the shared test database (migrated once, one rolled-back transaction per
test), statement counting, and databases of their own for tests that need commits."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from network.auth.principal import SYSTEM
from network.config import Settings
from network.db import ACTING, PRINCIPAL, act_on, make_engine
from network.models import Base
from tests.support.config import BIN, ROOT, TEST_DATABASE_URL

ENSURE_DATABASE = str(ROOT / "scripts" / "ensure_database.py")


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest revision with `network migrate`."""
    subprocess.run(
        [str(BIN / "network"), "migrate"],
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Create and migrate the test database once per run (make test has done it already)."""
    if os.environ.get("NETWORK_TEST_DB_READY") == "1":
        return
    subprocess.run([sys.executable, ENSURE_DATABASE, TEST_DATABASE_URL], check=True)
    migrate(TEST_DATABASE_URL)
    os.environ["NETWORK_TEST_DB_READY"] = "1"


@contextmanager
def database_of_its_own(purpose: str, *, migrated: bool = True) -> Iterator[str]:
    """A database named after the test database, `purpose` and this process (so two runs at
    once never share it), made anew and migrated (or left empty); its URL is yielded, and it is
    dropped after.

    For tests that need committed data: a worker in another process, a second connection or a
    command only sees what was committed, which the shared rolled-back transaction never is.
    """
    url = make_url(TEST_DATABASE_URL)
    own = url.set(database=f"{url.database}_{purpose}_{os.getpid()}")
    own_url = own.render_as_string(hide_password=False)
    subprocess.run([sys.executable, ENSURE_DATABASE, own_url, "--recreate"], check=True)
    try:
        if migrated:
            migrate(own_url)
        yield own_url
    finally:
        subprocess.run([sys.executable, ENSURE_DATABASE, own_url, "--drop"], check=False)


async def empty_every_table(engine: AsyncEngine, *, restart_identity: bool = False) -> None:
    """Empty every table of a database of its own (its tests start from nothing)."""
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    restart = " RESTART IDENTITY" if restart_identity else ""
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {names}{restart} CASCADE"))


async def lock_waiters(engine: AsyncEngine) -> int:
    """How many connections to the engine's database wait for a lock (to force an interleaving:
    wait until a transaction is blocked, then let the one it waits for go on)."""
    statement = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE wait_event_type = 'Lock' AND datname = current_database()"
    )
    async with engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(settings.database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection in a transaction that is rolled back after the test."""
    async with engine.connect() as conn:
        transaction = await conn.begin()
        yield conn
        if transaction.is_active:
            await transaction.rollback()


@pytest.fixture
def session_factory(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions whose commits become savepoints inside the test's transaction."""
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
async def session(session_factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """The test's own session (factories, checks of what a request changed): the system, which
    row-level security lets see everything. The app's sessions name their own principal."""
    async with session_factory(info={PRINCIPAL: SYSTEM}) as s:
        event.listen(s.sync_session, "do_orm_execute", lambda state: _system_again(state.session))
        event.listen(s.sync_session, "before_flush", lambda session, *_: _system_again(session))
        yield s


def _system_again(session: Session) -> None:
    """Back to the system's settings if a request's session changed them meanwhile.

    Every session shares the test's connection, and a setting made in a transaction-local way
    outlives the release of the savepoint it was made in: after a request, the test's session,
    still in its transaction, would read as the request's caller. (In production no two
    sessions share a connection.)
    """
    connection = session.connection()
    if connection.info.get(ACTING) is not SYSTEM:
        act_on(connection, SYSTEM)


class StatementCounter:
    """Counts SQL statements sent on the test's connection."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)

    def reset(self) -> None:
        self.statements.clear()


@pytest.fixture
def count_statements(connection: AsyncConnection) -> Callable[[], StatementCounter]:
    counter = StatementCounter()
    sync_connection = connection.sync_connection
    assert sync_connection is not None

    def start() -> StatementCounter:
        event.listen(sync_connection, "before_cursor_execute", counter)
        return counter

    yield start  # type: ignore[misc]
    if event.contains(sync_connection, "before_cursor_execute", counter):
        event.remove(sync_connection, "before_cursor_execute", counter)
