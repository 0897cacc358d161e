"""One odd address never holds up a batch: internationalised addresses go out end to end
(SMTPUTF8), and an address the rule refuses, or the relay cannot take, fails its own message
with the reason while the rest are delivered."""

from __future__ import annotations

import uuid
from email import message_from_string, policy

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.messaging.delivery import deliver_batch
from network.messaging.models import OutboxMessage, OutboxStatus
from tests.support.messaging import courier_for, message_id_of, owe, rows
from tests.support.sink import Sink


async def set_address(engine: AsyncEngine, message_id: uuid.UUID, address: str) -> None:
    """Write an address straight into a queued row, as a row from before the rule would be."""
    async with engine.begin() as connection:
        await connection.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(to_email=address)
        )


async def test_internationalised_addresses_are_delivered_end_to_end(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    ids = await owe(committed, ["José.Núñez@Bilbao.example", "anna@münchen.example"])

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (sorted(report.sent), report.failed) == (sorted(ids), [])
    state = await rows(outbox_engine)
    assert [state[i].to_email for i in ids] == ["josé.núñez@bilbao.example", "anna@münchen.example"]
    # A non-ASCII domain goes in its ASCII form; a non-ASCII local part with SMTPUTF8.
    assert sorted(sink.recipients()) == ["anna@xn--mnchen-3ya.example", "josé.núñez@bilbao.example"]
    received = {
        m["Message-ID"]: m
        for m in (
            message_from_string(raw.decode("utf-8"), policy=policy.default)
            for raw in sink.handler.accepted
        )
    }
    assert received[message_id_of(ids[0])]["To"] == "josé.núñez@bilbao.example"
    assert received[message_id_of(ids[1])]["To"] == "anna@xn--mnchen-3ya.example"
    assert received[message_id_of(ids[0])]["Subject"] == "Hello"


async def test_a_relay_without_smtputf8_fails_only_the_addresses_that_need_it(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine
) -> None:
    ids = await owe(committed, ["a@example.org", "josé@bilbao.example", "anna@münchen.example"])
    old_relay = Sink(smtputf8=False).start()
    try:
        report = await deliver_batch(courier_for(outbox_engine, old_relay.port))
    finally:
        old_relay.stop()
    assert (report.sent, report.failed, report.retries) == ([ids[0], ids[2]], [ids[1]], [])
    state = await rows(outbox_engine)
    assert (state[ids[1]].status, state[ids[1]].attempts, state[ids[1]].last_error) == (
        OutboxStatus.FAILED,
        1,
        "the mail server does not offer SMTPUTF8, which this address needs",
    )
    assert old_relay.recipients() == ["a@example.org", "anna@xn--mnchen-3ya.example"]


async def test_rows_with_addresses_from_before_the_rule_fail_alone(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    ids = await owe(committed, [f"p{n}@example.org" for n in range(5)])
    await set_address(outbox_engine, ids[1], "no-at-sign.example.org")
    await set_address(outbox_engine, ids[3], "x@example.org>\r\nRCPT TO:<y@example.org")

    report = await deliver_batch(courier_for(outbox_engine, sink.port))
    assert (report.sent, report.failed, report.retries) == (
        [ids[0], ids[2], ids[4]],
        [ids[1], ids[3]],
        [],
    )
    state = await rows(outbox_engine)
    assert [(state[i].status, state[i].attempts, state[i].last_error) for i in ids[1::2]] == [
        (
            OutboxStatus.FAILED,
            1,
            "not a deliverable email address: An email address must have an @-sign.",
        ),
        (
            OutboxStatus.FAILED,
            1,
            "not a deliverable email address: The part after the @-sign contains invalid "
            "characters: ':', '<', '>', '@', SPACE, U+000A, U+000D.",
        ),
    ]
    assert sink.recipients() == ["p0@example.org", "p2@example.org", "p4@example.org"]
