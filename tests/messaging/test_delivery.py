"""Delivery of committed outbox messages to a real SMTP server, one batch at a time.

These call `deliver_batch` (what the arq job calls) directly, with a fixed clock where
backoff matters; tests/workers/test_outbox_workers.py runs the same through real workers.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.api.core.context import Context
from network.api.core.mutations import run_mutation
from network.auth.principal import SYSTEM, Principal
from network.config import Settings
from network.contacts import service as contacts
from network.jobs import JobQueue
from network.kit.errors import DomainError
from network.messaging.delivery import Retry, deliver_batch
from network.messaging.mime import Attachment
from network.messaging.models import OutboxMessage, OutboxReceipt, OutboxStatus
from network.messaging.service import queue_email
from tests.support.factories import Factory
from tests.support.messaging import NOTICE, courier_for, message_id_of, owe, queued_jobs, rows
from tests.support.sink import Sink, free_port

T0 = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)  # later than any message the tests create


async def test_a_batch_is_rendered_sent_and_recorded_once(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    english = await owe(committed, ["anna@example.org"])
    welsh = await owe(
        committed,
        ["sian@example.org"],
        language="cy",
        context={**NOTICE, "title": "Helo", "en": {"title": "Hello"}},
        attachments=[Attachment("invite.ics", "text/calendar; method=REQUEST", b"BEGIN:VCAL")],
    )
    courier = courier_for(outbox_engine, sink.port)

    report = await deliver_batch(courier)
    assert (report.claimed, report.sent, report.failed, report.retries) == (
        2,
        english + welsh,
        [],
        [],
    )
    received = {m["Message-ID"]: m for m in sink.parsed()}
    assert sorted(received) == sorted(message_id_of(i) for i in english + welsh)
    anna, sian = received[message_id_of(english[0])], received[message_id_of(welsh[0])]
    assert (anna["To"], anna["Subject"], anna["From"]) == (
        "anna@example.org",
        "Hello",
        "Network CRM <no-reply@citizenpowered.example>",
    )
    assert (sian["Subject"], sian["Content-Language"]) == ("Helo / Hello", "cy, en")
    assert [p.get_filename() for p in sian.iter_attachments()] == ["invite.ics"]

    state = await rows(outbox_engine)
    accepted = select(OutboxReceipt.message_id, OutboxReceipt.accepted_at)
    async with outbox_engine.connect() as connection:
        receipts = {row.message_id: row.accepted_at for row in await connection.execute(accepted)}
    sent = (OutboxStatus.SENT, 1, None)
    assert {i: (r.status, r.attempts, r.last_error) for i, r in state.items()} == dict.fromkeys(
        english + welsh, sent
    )
    assert {i: r.sent_at for i, r in state.items()} == receipts

    again = await deliver_batch(courier)
    assert again.claimed == 0
    assert sink.count == 2


async def test_contacts_opted_out_of_a_kind_do_not_get_it(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    async with committed() as session:
        contact = await Factory(session).contact(
            await Factory(session).member(), email="out@example.org"
        )
        await contacts.update_contact(
            session, SYSTEM, contact.id, email_opt_outs=["programme", "newsletter"]
        )
        await session.commit()
    (programme,) = await owe(committed, [contact.email], contact_id=contact.id, kind="programme")
    (training,) = await owe(committed, [contact.email], contact_id=contact.id, kind="training")
    (service,) = await owe(committed, [contact.email], contact_id=contact.id)

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.skipped, sorted(report.sent)) == ([programme], sorted([training, service]))
    state = await rows(outbox_engine)
    assert (state[programme].status, state[programme].attempts, state[programme].last_error) == (
        OutboxStatus.SKIPPED,
        0,
        "the contact withdrew consent to MEETING_INVITATIONS (programme emails)",
    )
    assert sorted(sink.message_ids()) == sorted(message_id_of(i) for i in (training, service))


async def test_a_permanent_refusal_fails_only_that_message(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    sink.handler.refuse["gone@example.org"] = "550 5.1.1 <gone@example.org>: No such user"
    ids = await owe(committed, ["a@example.org", "gone@example.org", "b@example.org"])

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.sent, report.failed, report.retries) == ([ids[0], ids[2]], [ids[1]], [])
    state = await rows(outbox_engine)
    assert (state[ids[1]].status, state[ids[1]].attempts, state[ids[1]].last_error) == (
        OutboxStatus.FAILED,
        1,
        "550 5.1.1 <gone@example.org>: No such user",
    )
    assert sink.count == 2


async def test_a_temporary_refusal_is_retried_with_backoff(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    sink.handler.refuse["busy@example.org"] = "451 4.2.1 Mailbox busy, try later"
    (busy,) = await owe(committed, ["busy@example.org"])
    courier = courier_for(outbox_engine, sink.port)

    report = await deliver_batch(courier, now=T0)
    assert report.retries == [Retry(at=T0 + timedelta(seconds=30), attempts=1, ids=[busy])]
    state = (await rows(outbox_engine))[busy]
    assert (state.status, state.attempts, state.last_error, state.next_attempt_at) == (
        OutboxStatus.PENDING,
        1,
        "451 4.2.1 Mailbox busy, try later",
        T0 + timedelta(seconds=30),
    )
    too_early = await deliver_batch(courier, now=T0 + timedelta(seconds=29))
    assert too_early.claimed == 0

    del sink.handler.refuse["busy@example.org"]
    later = await deliver_batch(courier, now=T0 + timedelta(seconds=30))
    assert later.sent == [busy]
    state = (await rows(outbox_engine))[busy]
    assert (state.status, state.attempts, state.sent_at) == (
        OutboxStatus.SENT,
        2,
        T0 + timedelta(seconds=30),
    )
    assert sink.message_ids() == Counter({message_id_of(busy): 1})


async def test_smtp_down_then_up_delivers_everything_with_attempts_recorded(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    port = free_port()  # nothing listens here yet
    ids = await owe(committed, [f"p{n}@example.org" for n in range(5)])
    courier = courier_for(outbox_engine, port)

    now = T0
    for attempt, wait in ((1, 30), (2, 60), (3, 120)):
        report = await deliver_batch(courier, now=now)
        assert report.sent == []
        retry = [(r.at, r.attempts, sorted(r.ids)) for r in report.retries]
        assert retry == [(now + timedelta(seconds=wait), attempt, sorted(ids))]
        state = await rows(outbox_engine)
        assert {(r.status, r.attempts, r.next_attempt_at) for r in state.values()} == {
            (OutboxStatus.PENDING, attempt, now + timedelta(seconds=wait))
        }
        assert {r.last_error.split(":")[0] for r in state.values()} == {
            "cannot connect to 127.0.0.1"
        }
        now += timedelta(seconds=wait)

    sink = Sink(port).start()
    try:
        report = await deliver_batch(courier, now=now)
    finally:
        sink.stop()
    assert sorted(report.sent) == sorted(ids)
    state = await rows(outbox_engine)
    assert {(r.status, r.attempts, r.sent_at) for r in state.values()} == {
        (OutboxStatus.SENT, 4, now)
    }
    assert sink.message_ids() == Counter({message_id_of(i): 1 for i in ids})


async def test_too_many_temporary_failures_fail_the_message(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    (message,) = await owe(committed, ["a@example.org"])
    async with outbox_engine.begin() as connection:
        await connection.execute(update(OutboxMessage).values(max_attempts=2))
    courier = courier_for(outbox_engine, free_port())

    await deliver_batch(courier, now=T0)
    report = await deliver_batch(courier, now=T0 + timedelta(hours=1))
    assert (report.failed, report.retries) == ([message], [])
    state = (await rows(outbox_engine))[message]
    assert (state.status, state.attempts) == (OutboxStatus.FAILED, 2)
    assert state.last_error.startswith("gave up after 2 attempts; last: cannot connect to ")


async def test_a_broken_template_fails_that_message_loudly(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    (broken,) = await owe(committed, ["a@example.org"], context={"recipient_name": "A"})
    (fine,) = await owe(committed, ["b@example.org"])

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.failed, report.sent) == ([broken], [fine])
    state = (await rows(outbox_engine))[broken]
    assert (state.status, state.last_error) == (
        OutboxStatus.FAILED,
        "template 'notice' (en): UndefinedError: 'title' is undefined",
    )


async def test_a_receipt_left_by_a_killed_batch_is_not_sent_again(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    ids = await owe(committed, ["a@example.org", "b@example.org", "c@example.org"])
    # What a worker killed right after the server accepted b@ leaves behind: its receipt,
    # committed on its own, and the claim's rollback of everything else.
    async with outbox_engine.begin() as connection:
        await connection.execute(
            insert(OutboxReceipt).values(
                message_id=ids[1], accepted_at=T0, reply="2.0.0 Ok: queued as 000001"
            )
        )

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.sent, report.recovered) == (ids, 1)
    assert sorted(sink.message_ids()) == sorted(message_id_of(i) for i in (ids[0], ids[2]))
    state = await rows(outbox_engine)
    assert (state[ids[1]].status, state[ids[1]].attempts, state[ids[1]].sent_at) == (
        OutboxStatus.SENT,
        1,
        T0,
    )


async def test_concurrent_batches_never_share_a_message(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    ids = await owe(committed, [f"p{n}@example.org" for n in range(300)])
    courier = courier_for(outbox_engine, sink.port, batch_size=25)

    async def drain() -> int:
        claimed = 0
        while (report := await deliver_batch(courier)).claimed:
            claimed += report.claimed
        return claimed

    claimed = await asyncio.gather(*(drain() for _ in range(4)))
    assert sum(claimed) == 300
    assert sink.message_ids() == Counter({message_id_of(i): 1 for i in ids})
    assert Counter(r.status for r in (await rows(outbox_engine)).values()) == Counter(
        {OutboxStatus.SENT: 300}
    )


def runner_info(session: AsyncSession, jobs: JobQueue, principal: Principal = SYSTEM) -> Any:
    """What run_mutation reads from strawberry's `info`: the request context."""
    settings = Settings(database_url="postgresql+asyncpg://unused/x")
    context = Context(session=session, principal=principal, settings=settings, jobs=jobs)
    return SimpleNamespace(context=context)


async def test_the_api_enqueues_delivery_only_after_a_commit(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, jobs: JobQueue
) -> None:
    async def owe_two(session: AsyncSession, principal: Principal) -> list[uuid.UUID | None]:
        return [
            await queue_email(
                session,
                template="notice",
                to_email=f"{name}@example.org",
                language="en",
                context=NOTICE,
                dedup_key=f"runner:{name}",
            )
            for name in ("a", "b")
        ]

    async with committed() as session:
        ids, errors = await run_mutation(runner_info(session, jobs), owe_two)
    assert errors == []
    assert ids is not None and None not in ids
    assert await queued_jobs(jobs) == [f"outbox:{ids[0]}:0"]
    assert len(await rows(outbox_engine)) == 2


async def test_a_rolled_back_mutation_leaves_no_message_and_no_job(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, jobs: JobQueue
) -> None:
    async def owe_then_fail(session: AsyncSession, principal: Principal) -> None:
        await queue_email(
            session,
            template="notice",
            to_email="a@example.org",
            language="en",
            context=NOTICE,
            dedup_key="runner:failed",
        )
        raise DomainError.one("seatId", "FULL", "No seats left.")

    async with committed() as session:
        result, errors = await run_mutation(runner_info(session, jobs), owe_then_fail)
        assert (result, [e.code for e in errors]) == (None, ["FULL"])
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert await rows(outbox_engine) == {}
    assert await queued_jobs(jobs) == []
