"""Erasing a batch (retention's `erase_people`) erases each person as `erase_person` would:
their full names and unshared addresses leave other people's emails, SMTP errors and the audit
trail in one pass, however many terms the batch has, in any case and across line breaks; the
words of their names stay; a contact that cannot be erased stops the
batch before anything changes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit import service as audit
from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.kit.errors import DomainError
from network.messaging.models import OutboxMessage
from network.messaging.service import queue_email
from network.privacy.erasure import MAX_TERMS_IN_SQL, erase_people
from tests.support.factories import Factory
from tests.support.messaging import NOTICE

REASON = "No activity for the period of the rule"
# (first, last, address, how a colleague's text writes the full name)
PEOPLE = [
    ("Ada", "Lovelace", "ada.lovelace@powys.example", "ADA LOVELACE"),
    ("Brynmor", "Pugh", "brynmor.pugh@powys.example", "Pugh,\nBrynmor"),
    ("İlkay", "Şahin", "ilkay.sahin@powys.example", "ilkay şahin"),
    ("Zoë", "Ørsted", "zoe.orsted@powys.example", "zoë ørsted"),
    ("Cai", "Rhys", "cai.rhys@powys.example", "Cai   Rhys"),
]


async def owe(
    session: AsyncSession, to: str, contact_id: uuid.UUID | None, paragraph: str
) -> uuid.UUID:
    message_id = await queue_email(
        session,
        template="notice",
        to_email=to,
        language="en",
        context={**NOTICE, "paragraphs": [paragraph]},
        dedup_key=f"batch:{uuid.uuid4()}",
        contact_id=contact_id,
    )
    assert message_id is not None
    return message_id


async def context_of(session: AsyncSession, message_id: uuid.UUID) -> str:
    row = await session.get_one(OutboxMessage, message_id, populate_existing=True)
    return str(row.context["paragraphs"][0])


@pytest.mark.parametrize("size", [1, len(PEOPLE)])
async def test_a_batch_scrubs_every_persons_full_name_out_of_shared_text(
    session: AsyncSession, make: Factory, size: int
) -> None:
    member = await make.member()
    people = [
        await make.contact(member, address, first_name=first, last_name=last)
        for first, last, address, _ in PEOPLE[:size]
    ]
    written = [how for *_, how in PEOPLE[:size]]
    # The batch of 5 has more terms than the database is asked to pick rows for.
    assert (size * 3 > MAX_TERMS_IN_SQL) is (size == len(PEOPLE))
    colleague = await make.contact(member, "colleague@powys.example", first_name="Colleague")
    text = "Met " + " and ".join(written) + "; Ada and Pugh will write. Mail " + PEOPLE[0][2]
    to_colleague = await owe(session, "colleague@powys.example", colleague.id, text)
    to_no_contact = await owe(session, "desk@powys.example", None, text)
    audit.record(session, SYSTEM, "note.added", "Member", member.id, {"note": text})
    await session.flush()

    results = await erase_people(session, SYSTEM, [p.id for p in people], REASON)

    assert [(r.contact_id, r.already_erased) for r in results] == [(p.id, False) for p in people]
    expected = (
        "Met " + " and ".join(["[erased]"] * size) + "; Ada and Pugh will write. Mail [erased]"
    )
    assert await context_of(session, to_colleague) == expected
    assert await context_of(session, to_no_contact) == expected
    note = (
        await session.scalars(
            select(AuditEvent.changes)
            .where(AuditEvent.action == "note.added")
            .execution_options(populate_existing=True)
        )
    ).one()
    assert note == {"note": expected}
    created = (
        await session.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.action == "contact.created",
                AuditEvent.entity_id.in_([p.id for p in people]),
            )
        )
    ).all()
    assert {c["first_name"] for c in created} == {"[erased]"}


async def test_a_batch_with_a_contact_that_cannot_be_erased_changes_nothing(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    first, last, address, _ = PEOPLE[0]
    contact = await make.contact(member, address, first_name=first, last_name=last)

    with pytest.raises(DomainError) as raised:
        await erase_people(session, SYSTEM, [contact.id, uuid.uuid4()], REASON)

    assert raised.value.errors[0].field == "contactId"
    again = await session.get_one(Contact, contact.id, populate_existing=True)
    assert (again.first_name, again.erased_at) == (first, None)

    done = await erase_people(session, SYSTEM, [contact.id, contact.id], REASON)
    twice = await erase_people(session, SYSTEM, [contact.id], REASON)
    assert [r.already_erased for r in done] == [False, False]
    assert [(r.already_erased, r.erased_at) for r in twice] == [(True, done[0].erased_at)]
