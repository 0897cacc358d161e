"""The unit of work: one commit, then the jobs the transaction owes; nothing owed on rollback."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.db import unit_of_work
from network.kit.owed import Job, owe, take_all_owed
from network.partners.models import Partner


class Recorder:
    """An after-commit hook that keeps what each flush was owed."""

    def __init__(self) -> None:
        self.flushed: list[dict[Job, list[uuid.UUID]]] = []

    async def __call__(self, session: AsyncSession) -> None:
        self.flushed.append(take_all_owed(session))


async def test_commit_then_flush_what_is_owed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    recorder = Recorder()
    first, second = uuid.uuid4(), uuid.uuid4()
    async with unit_of_work(session_factory, after_commit=recorder) as session:
        session.add(Partner(slug="uow-partner", name="UoW partner", countries=["GB"]))
        owe(session, Job.DELIVER_OUTBOX, [first, second, first])
        owe(session, Job.ISSUE_CERTIFICATES, [second])
        assert recorder.flushed == []  # nothing leaves before the commit
    assert recorder.flushed == [
        {Job.DELIVER_OUTBOX: [first, second], Job.ISSUE_CERTIFICATES: [second]}
    ]
    async with session_factory() as reader:
        slugs = (await reader.scalars(select(Partner.slug))).all()
    assert "uow-partner" in slugs


async def test_an_error_rolls_back_and_forgets_what_was_owed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    recorder = Recorder()

    async def fail() -> None:
        async with unit_of_work(session_factory, after_commit=recorder) as session:
            session.add(Partner(slug="uow-rolled-back", name="Rolled back", countries=["GB"]))
            owe(session, Job.DELIVER_OUTBOX, [uuid.uuid4()])
            await session.flush()
            raise RuntimeError("the operation failed")

    with pytest.raises(RuntimeError, match="the operation failed"):
        await fail()
    assert recorder.flushed == []
    async with session_factory() as reader:
        slugs = (await reader.scalars(select(Partner.slug))).all()
    assert "uow-rolled-back" not in slugs


async def test_a_kept_session_is_committed_but_not_closed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    recorder = Recorder()
    async with session_factory() as kept:
        async with unit_of_work(kept, after_commit=recorder):
            kept.add(Partner(slug="uow-kept", name="Kept", countries=["GB"]))
            owe(kept, Job.ISSUE_CERTIFICATES, [uuid.uuid4()])
        # The request goes on reading with the same session after the mutation committed.
        found = await kept.scalar(select(Partner.name).where(Partner.slug == "uow-kept"))
        assert found == "Kept"
        async with unit_of_work(kept, after_commit=recorder):
            pass
    assert [list(f) for f in recorder.flushed] == [[Job.ISSUE_CERTIFICATES], []]


async def test_a_rolled_back_savepoint_forgets_only_what_it_owed(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    recorder = Recorder()
    kept, dropped, after = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def failing_step(session: AsyncSession) -> None:
        async with session.begin_nested():
            owe(session, Job.DELIVER_OUTBOX, [dropped])
            owe(session, Job.ISSUE_CERTIFICATES, [dropped])
            raise RuntimeError("inner step failed")

    async with unit_of_work(session_factory, after_commit=recorder) as session:
        owe(session, Job.DELIVER_OUTBOX, [kept])
        with pytest.raises(RuntimeError, match="inner step failed"):
            await failing_step(session)
        async with session.begin_nested():  # a savepoint that succeeds keeps what it owed
            owe(session, Job.DELIVER_OUTBOX, [after])
    assert recorder.flushed == [{Job.DELIVER_OUTBOX: [kept, after]}]
