"""Real arq workers (`network worker` processes) on the real Redis, PostgreSQL and SMTP sink.

Each message carries its outbox id in its Message-ID, so the sink can count deliveries.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Callable

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.jobs import JobQueue
from network.messaging.models import OutboxMessage, OutboxReceipt, OutboxStatus
from network.messaging.service import queue_email
from tests.support.messaging import Worker, wait_for
from tests.support.sink import Sink, free_port

NOTICE = {"recipient_name": "Anna", "title": "Hello", "paragraphs": ["One."]}
LANGUAGES = ("en", "cy", "fr", "es", "de")


async def owe_and_enqueue(
    sessions: async_sessionmaker[AsyncSession], jobs: JobQueue, count: int
) -> list[uuid.UUID]:
    """Queue `count` notices in one transaction, commit, then enqueue them (as the API does)."""
    ids = []
    async with sessions() as session:
        for n in range(count):
            message_id = await queue_email(
                session,
                template="notice",
                to_email=f"person{n}@example.org",
                language=LANGUAGES[n % len(LANGUAGES)],
                context=NOTICE,
                dedup_key=f"workers:{n}",
            )
            assert message_id is not None
            ids.append(message_id)
        await session.commit()
        await jobs.flush(session)
    return ids


async def count_rows(engine: AsyncEngine, *conditions: ColumnElement[bool]) -> int:
    statement = select(func.count()).select_from(OutboxMessage).where(*conditions)
    async with engine.connect() as connection:
        return int((await connection.execute(statement)).scalar_one())


async def states(engine: AsyncEngine) -> Counter[tuple[OutboxStatus, int]]:
    """How many messages are in each (status, attempts)."""
    statement = select(OutboxMessage.status, OutboxMessage.attempts)
    async with engine.connect() as connection:
        return Counter((row.status, row.attempts) for row in await connection.execute(statement))


def expected_ids(ids: list[uuid.UUID]) -> Counter[str]:
    return Counter({f"<{i}@citizenpowered.example>": 1 for i in ids})


def recovered(worker: Worker) -> int:
    """Messages a worker marked SENT from receipts left by an interrupted batch."""
    return sum(int(n) for n in re.findall(r"\((\d+) from receipts\)", worker.output()))


@pytest.mark.slow
async def test_two_workers_drain_2000_messages_each_delivered_exactly_once(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    jobs: JobQueue,
    workers: Callable[..., Worker],
) -> None:
    first = workers(sink.port, worker_max_jobs=4)
    second = workers(sink.port, worker_max_jobs=4)
    await first.ready()
    await second.ready()

    ids = await owe_and_enqueue(committed, jobs, 2000)
    # Besides the 20 jobs naming their messages, 20 that take any due batch: the two
    # workers now compete for the same rows.
    await jobs.drain_outbox(20, tag=uuid.uuid4().hex)

    async def all_sent() -> bool:
        return await count_rows(outbox_engine, OutboxMessage.status == OutboxStatus.SENT) == 2000

    await wait_for(all_sent, within=180, what="2,000 messages to be sent")
    assert sink.message_ids() == expected_ids(ids)
    assert await states(outbox_engine) == Counter({(OutboxStatus.SENT, 1): 2000})
    assert "outbox batch:" in first.output()
    assert "outbox batch:" in second.output()


@pytest.mark.slow
async def test_a_worker_killed_mid_batch_then_restarted_delivers_each_message_once(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    jobs: JobQueue,
    workers: Callable[..., Worker],
) -> None:
    sink.handler.hold_after = 130  # the 131st message waits: the second batch is mid-way
    doomed = workers(sink.port, worker_max_jobs=1, outbox_batch_size=100)
    ids = await owe_and_enqueue(committed, jobs, 250)

    async def held() -> bool:
        return sink.handler.held.is_set()

    await wait_for(held, what="the worker to be in the middle of a batch")
    async with outbox_engine.connect() as connection:
        receipts = (
            await connection.execute(select(func.count()).select_from(OutboxReceipt))
        ).scalar_one()
    marked_sent = await count_rows(outbox_engine, OutboxMessage.status == OutboxStatus.SENT)
    # Every accepted message already has its receipt; the batch's own rows are not yet SENT.
    assert (sink.count, receipts) == (130, 130)
    in_flight = receipts - marked_sent
    assert 0 < in_flight < 100

    doomed.kill()
    sink.handler.hold_after = None
    sink.handler.release.set()
    survivor = workers(sink.port)

    async def all_sent() -> bool:
        return await count_rows(outbox_engine, OutboxMessage.status == OutboxStatus.SENT) == 250

    await wait_for(all_sent, what="every message to be sent after the restart")
    assert sink.message_ids() == expected_ids(ids)
    assert await states(outbox_engine) == Counter({(OutboxStatus.SENT, 1): 250})
    assert recovered(survivor) == in_flight


@pytest.mark.slow
async def test_smtp_down_then_up_every_message_delivered_with_its_attempts(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    jobs: JobQueue,
    workers: Callable[..., Worker],
) -> None:
    port = free_port()  # the relay is down: nothing listens here
    worker = workers(port, outbox_retry_base_seconds=5)
    ids = await owe_and_enqueue(committed, jobs, 150)

    async def all_tried_once() -> bool:
        return await states(outbox_engine) == Counter({(OutboxStatus.PENDING, 1): 150})

    await wait_for(all_tried_once, what="a first, failed attempt at every message")
    async with outbox_engine.connect() as connection:
        errors = (await connection.execute(select(OutboxMessage.last_error))).scalars().all()
    assert {(e or "").split(": ")[0] for e in errors} == {f"cannot connect to 127.0.0.1:{port}"}

    sink = Sink(port).start()  # the relay is back; retries are due 5 s after the failure
    try:

        async def all_sent() -> bool:
            sent = OutboxMessage.status == OutboxStatus.SENT
            return await count_rows(outbox_engine, sent) == 150

        await wait_for(all_sent, what="every message to be sent once the relay is back")
        assert sink.message_ids() == expected_ids(ids)
    finally:
        sink.stop()
    assert await states(outbox_engine) == Counter({(OutboxStatus.SENT, 2): 150})
    assert "outbox batch:" in worker.output()
