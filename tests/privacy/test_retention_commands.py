"""Retention from the command line and the worker: `network retention report` shows the run
without doing it, `network retention apply` asks first (or takes --yes), and the daily job does
the same run.

They commit, so they run against a database of their own (created, migrated, dropped after).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from arq import create_pool
from arq.connections import RedisSettings
from click.testing import Result
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from typer.testing import CliRunner

from network.auth.principal import SYSTEM
from network.cli import app
from network.config import Settings, get_settings
from network.contacts.models import Contact
from network.db import make_engine, make_session_factory, unit_of_work, utcnow
from network.kit.enums import MembershipStatus
from network.kit.owed import Job
from network.members.models import Member
from tests.support.database import database_of_its_own, empty_every_table
from tests.support.factories import Factory
from tests.support.helpers import table_counts
from workers.main import settings_for
from workers.retention import apply_retention
from workers.runtime import Runtime

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = f"arq:queue:retention-tests:{os.getpid()}"


@pytest.fixture(scope="module")
def own_url() -> AsyncIterator[str]:
    with database_of_its_own("retention") as url:
        yield url


@pytest.fixture
async def own_engine(own_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(own_url, pool_size=2)
    await empty_every_table(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(own_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_session_factory(own_engine, principal=SYSTEM)


def _invoke(url: str, args: list[str], stdin: str | None) -> Result:
    """The command in-process (in a thread: it runs its own event loop) against `url`."""
    saved = {key: os.environ.get(key) for key in ("DATABASE_URL", "WORKER_QUEUE_NAME")}
    os.environ["DATABASE_URL"] = url
    os.environ["WORKER_QUEUE_NAME"] = QUEUE
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


async def run(url: str, *args: str, stdin: str | None = None) -> Result:
    return await asyncio.to_thread(_invoke, url, list(args), stdin)


async def idle_and_active(sessions: async_sessionmaker[AsyncSession]) -> tuple[Contact, Contact]:
    """At an active member: a contact with nothing done for seven years, and a new colleague."""
    async with unit_of_work(sessions) as session:
        make = Factory(session)
        member = await make.member()
        idle = await make.contact(member)
        colleague = await make.contact(member)
        seven_years_ago = utcnow() - timedelta(days=7 * 365)
        await session.execute(
            update(Member)
            .where(Member.id == member.id)
            .values(membership_status=MembershipStatus.ACTIVE)
        )
        await session.execute(
            update(Contact)
            .where(Contact.id == idle.id)
            .values(created_at=seven_years_ago, updated_at=seven_years_ago)
        )
    return idle, colleague


async def erased(sessions: async_sessionmaker[AsyncSession], *contacts: Contact) -> list[bool]:
    async with sessions() as session:
        found = {
            row.id: row.erased_at is not None
            for row in await session.execute(select(Contact.id, Contact.erased_at))
        }
    return [found[c.id] for c in contacts]


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        return await table_counts(session)


async def test_report_shows_the_run_and_apply_asks_then_does_it_once(
    own_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    idle, colleague = await idle_and_active(sessions)
    before = await counts(sessions)

    report = await run(own_url, "retention", "report")

    assert report.exit_code == 0, report.output
    lines = report.stdout.splitlines()
    assert lines[0].split() == ["PARTNER", "RULE", "DAYS", "ACTION", "WHAT", "COUNT"]
    inactive = ["(network-wide)", "INACTIVE_CONTACTS", "2190", "erase", "contacts", "1"]
    assert lines[1].split() == inactive
    assert ["(network-wide)", "OUTBOX_BODIES", "90", "prune", "outbox", "bodies", "0"] in [
        line.split() for line in lines
    ]
    assert lines[-1].startswith("1 row(s) would change at ")
    assert lines[-1].endswith("; nothing was changed")
    with_ids = await run(own_url, "retention", "report", "--ids")
    assert f"    {idle.id}" in with_ids.stdout.splitlines()
    assert str(colleague.id) not in with_ids.stdout
    assert await counts(sessions) == before
    assert await erased(sessions, idle, colleague) == [False, False]

    declined = await run(own_url, "retention", "apply", stdin="n\n")
    assert declined.exit_code == 1
    assert "nothing was changed" in declined.output
    assert await counts(sessions) == before

    applied = await run(own_url, "retention", "apply", "--yes")
    assert applied.exit_code == 0, applied.output
    assert applied.stdout.splitlines() == ["INACTIVE_CONTACTS:contacts: 1", "1 row(s) changed"]
    assert await erased(sessions, idle, colleague) == [True, False]

    again = await run(own_url, "retention", "apply", "--yes")
    assert again.stdout.splitlines() == ["0 row(s) changed"]


def _unusable(args: list[str], stdin: str | None = None) -> Result:
    """The command against a database nobody listens for (port 1), exceptions not caught: a
    traceback would fail the test."""
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        get_settings.cache_clear()


@pytest.mark.parametrize(
    "args", [["report"], ["apply", "--yes"], ["apply"]], ids=["report", "apply-yes", "apply"]
)
async def test_a_database_that_cannot_be_used_is_one_error_line_not_a_traceback(
    args: list[str],
) -> None:
    result = await asyncio.to_thread(_unusable, ["retention", *args], "y\n")

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: cannot use the database at DATABASE_URL: ")
    assert result.stdout == ""


async def test_the_daily_job_runs_at_a_quiet_hour_and_applies_the_rules(
    own_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    settings = Settings(database_url=own_url, redis_url=REDIS_URL, worker_queue_name=QUEUE)
    crons = {job.name: job for job in settings_for(settings)["cron_jobs"]}
    daily = crons[Job.APPLY_RETENTION.value]
    assert (daily.hour, daily.minute, daily.second) == ({3}, {17}, 0)

    idle, colleague = await idle_and_active(sessions)
    redis = await create_pool(RedisSettings.from_dsn(REDIS_URL))
    runtime = Runtime.start(settings, redis)
    try:
        assert await apply_retention(runtime) == 1
        assert await apply_retention(runtime) == 0  # arq may run it twice: nothing more
    finally:
        await runtime.stop()
        await redis.delete(QUEUE)
        await redis.aclose()
    assert await erased(sessions, idle, colleague) == [True, False]
