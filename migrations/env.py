"""Alembic environment: runs migrations over an async (asyncpg) connection."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from network.config import get_settings
from network.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata

# Expression indexes Alembic cannot compare; they are created by migrations and not modelled.
MIGRATION_ONLY_INDEXES = {"ix_contacts_search_trgm"}


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave migration-only objects out of autogenerate and `alembic check`."""
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def _url() -> str:
    """DATABASE_URL, or MIGRATION_DATABASE_URL (the tables' owner) for the same database."""
    settings = get_settings()
    explicit = config.get_main_option("sqlalchemy.url")
    if explicit:
        return explicit
    owner = settings.migration_database_url
    if owner is None:
        return settings.database_url
    app, own = make_url(settings.database_url), make_url(owner)
    if (app.host, app.port, app.database) != (own.host, own.port, own.database):
        # A MIGRATION_DATABASE_URL left in .env must never migrate another database than the
        # one DATABASE_URL names (the tests set only DATABASE_URL).
        raise RuntimeError("MIGRATION_DATABASE_URL names another database than DATABASE_URL")
    return owner


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        # Row-level security (0008) binds the tables' owner too: a migration that moves data
        # acts as the system. (A superuser, as in development and tests, bypasses it anyway.)
        connection.execute(text("SELECT set_config('network.principal_kind', 'SYSTEM', true)"))
        context.run_migrations()


async def run_migrations_online() -> None:
    """Run migrations in a transaction on an asyncpg connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        await connection.run_sync(_run)
        return
    engine = create_async_engine(_url())
    async with engine.connect() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
