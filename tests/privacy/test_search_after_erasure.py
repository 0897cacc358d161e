"""After erasure, a search of every text, JSON and binary column of every table in the database
finds neither the person's old address nor their first or last name; and an email owed to
them before the erasure is never delivered.

The person's history is committed and their emails are actually delivered to the SMTP sink
first (the outbox database of tests/support/messaging.py), so the search runs over what a
real system would hold: sent emails with their bodies and attachments, SMTP receipts, audit
entries, notes, certificates with their PDFs.
"""

from __future__ import annotations

import uuid

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.auth.principal import SYSTEM
from network.messaging.delivery import deliver_batch
from network.messaging.models import OutboxStatus
from network.messaging.service import queue_email
from network.privacy.erasure import erase_person
from tests.support.erasure import EMAIL, FIRST, LAST, build_person
from tests.support.messaging import NOTICE, courier_for, rows
from tests.support.sink import Sink

TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY")


async def holding(engine: AsyncEngine, terms: list[str]) -> list[tuple[str, str, int]]:
    """(table, column, rows) of every column of the public schema holding any of the terms:
    text, character, JSON and array columns compared as text in any case; bytea columns
    searched for the terms' UTF-8 bytes as written and in lower case."""
    patterns = [f"%{t}%" for t in terms]
    needles = sorted({v.encode() for t in terms for v in (t, t.lower())})
    found: list[tuple[str, str, int]] = []
    async with engine.connect() as connection:
        columns = (
            await connection.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns"
                    " WHERE table_schema = 'public' ORDER BY table_name, column_name"
                )
            )
        ).all()
        for table, column, data_type in columns:
            if data_type in TEXT_TYPES:
                condition = f'"{column}"::text ILIKE ANY(:patterns)'
                parameters: dict[str, object] = {"patterns": patterns}
                statement = text(f'SELECT count(*) FROM "{table}" WHERE {condition}')
            elif data_type == "bytea":
                condition = " OR ".join(
                    f'position(:n{i} in "{column}") > 0' for i in range(len(needles))
                )
                parameters = {f"n{i}": needle for i, needle in enumerate(needles)}
                statement = text(f'SELECT count(*) FROM "{table}" WHERE {condition}')
                statement = statement.bindparams(
                    *(bindparam(f"n{i}", type_=None) for i in range(len(needles)))
                )
            else:
                continue
            count = (await connection.execute(statement, parameters)).scalar_one()
            if count:
                found.append((table, column, count))
    return found


async def deliver_everything(engine: AsyncEngine, sink: Sink) -> list[uuid.UUID]:
    """Deliver every due message to the sink; the ids sent."""
    courier = courier_for(engine, sink.port)
    sent: list[uuid.UUID] = []
    while (report := await deliver_batch(courier)).claimed:
        sent += report.sent
    return sent


async def test_nothing_about_the_person_is_left_in_any_column(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    async with committed() as session:
        person = await build_person(session)
        await session.commit()
    delivered = await deliver_everything(outbox_engine, sink)
    to_them = [r for r in sink.handler.recipients if r == EMAIL]
    # A sign-in link, two certificates, a meeting invitation, at least.
    assert len(to_them) >= 4
    before = await holding(outbox_engine, [EMAIL, FIRST, LAST])
    tables = {table for table, _, _ in before}
    # The search finds the person wherever they were before erasure (it can fail).
    assert {"contacts", "users", "audit_events", "outbox_messages", "certificates"} <= tables
    assert {"step_progress", "initiatives", "bookings", "outbox_attachments"} <= tables
    async with committed() as session:
        pending = await queue_email(
            session,
            template="notice",
            to_email=EMAIL,
            language="en",
            context={**NOTICE, "recipient_name": FIRST},
            dedup_key="owed-before-erasure",
            contact_id=person.contact.id,
        )
        await session.commit()
    assert pending is not None
    sent_before = sink.count

    async with committed() as session:
        await erase_person(session, SYSTEM, person.contact.id, f"{FIRST} {LAST} asked")
        await session.commit()
    after = await deliver_everything(outbox_engine, sink)

    assert await holding(outbox_engine, [EMAIL, FIRST, LAST]) == []
    assert pending not in after
    assert sink.count == sent_before  # nothing more went out
    state = await rows(outbox_engine)
    assert (state[pending].status, state[pending].last_error, state[pending].sent_at) == (
        OutboxStatus.SKIPPED,
        "recipient erased",
        None,
    )
    assert all(state[i].status is OutboxStatus.SENT for i in delivered)
