"""Delivery is the last gate: a message to an erased person that reached the outbox anyway (a
transaction that began before the erasure committed after it) is SKIPPED when claimed, never
sent; and a live contact sharing an erased person's address still gets its emails.

On the committed outbox database of tests/support/messaging.py, with the real SMTP sink."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from network.auth.login_links import request_login_link
from network.auth.principal import SYSTEM
from network.db import utcnow
from network.kit import pii
from network.kit.enums import Role
from network.messaging.delivery import deliver_batch
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from network.messaging.service import queue_email
from network.privacy.erasure import erase_person
from network.usecases import contacts as contact_cases
from tests.support.factories import Factory
from tests.support.messaging import NOTICE, courier_for, rows
from tests.support.sink import Sink

GONE = "gone.person@powys.example"
SHARED = "sam.shared@powys.example"
OTHER = "someone.else@powys.example"
REASON = "Asked to be forgotten"


def raced(to: str, contact_id: uuid.UUID | None) -> OutboxMessage:
    """A message as a transaction that began before the erasure would have written it: to the
    old address, with the data it was to be rendered from, past queue_emails' check."""
    return OutboxMessage(
        dedup_key=f"raced:{uuid.uuid4()}",
        template="notice",
        language="en",
        to_email=to,
        contact_id=contact_id,
        context={**NOTICE, "recipient_name": "Gone Person"},
        attachment_count=1,
        status=OutboxStatus.PENDING,
        max_attempts=5,
        next_attempt_at=utcnow(),
    )


async def test_delivery_skips_a_message_to_an_erased_contact_or_a_suppressed_address(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    async with committed() as session:
        make = Factory(session)
        member = await make.member()
        person = await make.contact(member, GONE, first_name="Gone", last_name="Person")
        await session.commit()
        await erase_person(session, SYSTEM, person.id, REASON)
        await session.commit()
    async with committed() as session:
        to_contact, to_address, control = (
            raced(GONE, person.id),
            raced(GONE, None),
            raced(OTHER, None),
        )
        session.add_all([to_contact, to_address, control])
        await session.flush()
        session.add_all(
            OutboxAttachment(
                message_id=m.id,
                position=0,
                filename="a.txt",
                content_type="text/plain",
                content=b"1",
            )
            for m in (to_contact, to_address, control)
        )
        await session.commit()

    report = await deliver_batch(courier_for(outbox_engine, sink.port))

    assert (sorted(report.skipped), report.sent) == (
        sorted([to_contact.id, to_address.id]),
        [control.id],
    )
    assert sink.recipients() == [OTHER]
    state = await rows(outbox_engine)
    skipped = {i: (state[i].status, state[i].last_error, state[i].to_email) for i in report.skipped}
    assert skipped == {
        to_contact.id: (OutboxStatus.SKIPPED, "recipient erased", pii.erased_address(person.id)),
        to_address.id: (OutboxStatus.SKIPPED, "recipient erased", pii.erased_address(None)),
    }
    async with outbox_engine.connect() as connection:
        contexts = dict(
            (
                await connection.execute(
                    select(OutboxMessage.id, OutboxMessage.context).where(
                        OutboxMessage.id.in_(report.skipped)
                    )
                )
            ).all()
        )
        kept = (
            await connection.execute(
                select(OutboxAttachment.message_id, func.count()).group_by(
                    OutboxAttachment.message_id
                )
            )
        ).all()
    assert contexts == {to_contact.id: {}, to_address.id: {}}
    assert [tuple(r) for r in kept] == [(control.id, 1)]


async def test_a_live_contact_sharing_an_erased_address_still_gets_its_emails(
    committed: async_sessionmaker[AsyncSession], outbox_engine: AsyncEngine, sink: Sink
) -> None:
    async with committed() as session:
        make = Factory(session)
        member = await make.member()
        old = await make.contact(member, SHARED, first_name="Sam", last_name="Shared")
        await contact_cases.archive_contact(session, SYSTEM, old.id)
        live = await make.contact(member, SHARED, first_name="Sam", last_name="Shared")
        await make.user(Role.MEMBER, contact=live)
        ids = {}
        for key, contact_id in (("old", old.id), ("live", live.id)):
            ids[key] = await queue_email(
                session,
                template="notice",
                to_email=SHARED,
                language="en",
                context=NOTICE,
                dedup_key=f"before:{key}",
                contact_id=contact_id,
            )
        await session.commit()
    async with committed() as session:
        await erase_person(session, SYSTEM, old.id, REASON)
        await session.commit()
    async with committed() as session:
        await request_login_link(session, SHARED)
        await session.commit()

    courier = courier_for(outbox_engine, sink.port)
    sent: list[uuid.UUID] = []
    while (report := await deliver_batch(courier)).claimed:
        sent += report.sent

    state = await rows(outbox_engine)
    assert (state[ids["old"]].status, ids["old"] in sent) == (OutboxStatus.SKIPPED, False)
    assert ids["live"] in sent
    assert len(sent) == 2  # the live contact's notice and its sign-in link
    assert sink.recipients() == [SHARED, SHARED]
