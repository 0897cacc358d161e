"""A real worker delivers a backlog with odd addresses in it: each odd one fails alone, with its
reason, and every other message is sent once."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.jobs import JobQueue
from network.messaging.models import OutboxMessage, OutboxStatus
from tests.support.messaging import ODD_ADDRESS, ODD_REASON, Worker, owe, rows, wait_for
from tests.support.sink import Sink


@pytest.mark.slow  # a worker process starts
async def test_a_worker_delivers_everyone_but_the_odd_addresses(
    committed: async_sessionmaker[AsyncSession],
    outbox_engine: AsyncEngine,
    sink: Sink,
    jobs: JobQueue,
    workers: Callable[..., Worker],
) -> None:
    ids = await owe(committed, [f"person{n}@example.org" for n in range(30)] + ["zoë@example.org"])
    odd = {ids[4]: ODD_ADDRESS, ids[17]: "a@b.example\r\nRCPT TO:<c@d.example>"}
    async with outbox_engine.begin() as connection:  # rows as they were before the rule
        for message_id, address in odd.items():
            await connection.execute(
                update(OutboxMessage).where(OutboxMessage.id == message_id).values(to_email=address)
            )
    worker = workers(sink.port)
    await worker.ready()
    await jobs.drain_outbox(1, tag=uuid.uuid4().hex)

    async def settled() -> bool:
        statement = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
        async with outbox_engine.connect() as connection:
            return (await connection.execute(statement)).scalar_one() == 0

    await wait_for(settled, what="every message to be delivered or failed")
    state = await rows(outbox_engine)
    assert {i: (state[i].status, state[i].last_error) for i in odd} == {
        ids[4]: (OutboxStatus.FAILED, ODD_REASON),
        ids[17]: (
            OutboxStatus.FAILED,
            "not a deliverable email address: The part after the @-sign contains invalid "
            "characters: ':', '<', '>', '@', SPACE, U+000A, U+000D.",
        ),
    }
    sent = [i for i in ids if i not in odd]
    assert {state[i].status for i in sent} == {OutboxStatus.SENT}
    assert sorted(sink.recipients()) == sorted(state[i].to_email for i in sent)
    assert len(sink.recipients()) == 29
