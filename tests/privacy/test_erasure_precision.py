"""Erasure erases the person and no one else: a live contact sharing the address keeps
receiving email, words of the person's name in other people's text survive, former names and
addresses go too, and a message skipped because its recipient was erased cannot be retried."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.login_links import request_login_link
from network.auth.principal import SYSTEM
from network.certificates import service as certificates
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.initiatives import service as initiatives
from network.kit.enums import Role, StarStep, StepStatus
from network.kit.errors import DomainError
from network.kit.pii import address_digest, erased_address
from network.messaging.models import OutboxMessage, OutboxStatus
from network.messaging.service import queue_email, retry_outbox_message, take_queued_ids
from network.privacy.erasure import erase_person
from network.privacy.models import SuppressedAddress
from network.programme import service as programme
from network.programme.models import StepProgress
from network.usecases import contacts as contact_cases
from tests.support.erasure import build_person
from tests.support.factories import Factory
from tests.support.messaging import NOTICE

REASON = "Asked by email to be forgotten"
SHARED = "sam.shared@powys.example"


async def owe_notice(
    session: AsyncSession, to: str, key: str, contact_id: uuid.UUID | None, **context: Any
) -> uuid.UUID:
    message_id = await queue_email(
        session,
        template="notice",
        to_email=to,
        language="en",
        context={**NOTICE, **context},
        dedup_key=key,
        contact_id=contact_id,
    )
    assert message_id is not None
    return message_id


async def message(session: AsyncSession, message_id: uuid.UUID) -> OutboxMessage:
    return await session.get_one(OutboxMessage, message_id, populate_existing=True)


async def suppressed(session: AsyncSession, address: str) -> int:
    count = select(func.count()).where(SuppressedAddress.address_sha256 == address_digest(address))
    return await session.scalar(count) or 0


async def test_a_live_contact_sharing_the_address_is_neither_silenced_nor_wiped(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    old = await make.contact(member, SHARED, first_name="Sam", last_name="Shared")
    to_old = await owe_notice(session, SHARED, "to-old", old.id)
    await contact_cases.archive_contact(session, SYSTEM, old.id)
    # Re-created after archiving: the same address, the same name, a member user of its own.
    live = await make.contact(member, SHARED, first_name="Sam", last_name="Shared")
    user = await make.user(Role.MEMBER, contact=live)
    waiting = await owe_notice(session, SHARED, "to-live", live.id, recipient_name="Sam Shared")

    await erase_person(session, SYSTEM, old.id, REASON)
    take_queued_ids(session)
    later = await owe_notice(session, SHARED, "to-live-later", live.id)
    await request_login_link(session, SHARED)

    erased_one, kept = await message(session, to_old), await message(session, waiting)
    assert (erased_one.status, erased_one.to_email, erased_one.context) == (
        OutboxStatus.SKIPPED,
        erased_address(old.id),
        {},
    )
    assert (kept.status, kept.to_email, kept.context["recipient_name"]) == (
        OutboxStatus.PENDING,
        SHARED,
        "Sam Shared",
    )
    link = (
        await session.scalars(select(OutboxMessage).where(OutboxMessage.template == "login_link"))
    ).one()
    assert (link.status, link.to_email, link.contact_id) == (OutboxStatus.PENDING, SHARED, live.id)
    assert (await message(session, later)).status is OutboxStatus.PENDING
    assert set(take_queued_ids(session)) == {later, link.id}
    assert await suppressed(session, SHARED) == 0
    again = await session.get_one(Contact, live.id, populate_existing=True)
    assert (again.email, again.first_name, again.last_name, again.erased_at) == (
        SHARED,
        "Sam",
        "Shared",
        None,
    )
    created = (
        await session.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.action == "contact.created", AuditEvent.entity_id == live.id
            )
        )
    ).one()
    assert (created["email"], created["first_name"], created["last_name"]) == (
        SHARED,
        "Sam",
        "Shared",
    )
    assert user.email == SHARED


async def test_an_address_only_the_erased_person_held_is_suppressed(
    session: AsyncSession, make: Factory
) -> None:
    member, other = await make.member(), await make.member()
    person = await make.contact(member, SHARED, first_name="Sam", last_name="Shared")
    elsewhere = await make.contact(other, SHARED, first_name="Sam", last_name="Shared")

    await erase_person(session, SYSTEM, person.id, REASON)
    assert await suppressed(session, SHARED) == 0  # still the address of a live contact
    await erase_person(session, SYSTEM, elsewhere.id, REASON)

    assert await suppressed(session, SHARED) == 1
    bare = await owe_notice(session, SHARED, "to-the-address", None)
    assert (await message(session, bare)).status is OutboxStatus.SKIPPED


async def test_other_peoples_text_keeps_the_words_of_the_persons_name(
    session: AsyncSession,
) -> None:
    person = await build_person(session, first="Will", last="Hall", email="will.hall@powys.example")
    cohort_id = (
        await session.scalars(
            select(StepProgress.cohort_id).where(StepProgress.member_id == person.member.id)
        )
    ).first()
    colleague_note = "Residents will meet at the Town Hall; Hall hire paid."
    await programme.record_step_progress(
        session,
        SYSTEM,
        cohort_id=cohort_id,
        member_id=person.member.id,
        step=StarStep.FOCUS_IT,
        status=StepStatus.IN_PROGRESS,
        notes=f"{colleague_note} Minutes by will.hall@powys.example and HALL, WILL.",
        action_plan="Will the council fund it? Ask Will  Hall.",
    )
    initiative = await initiatives.create_initiative(
        session,
        SYSTEM,
        member_id=person.member.id,
        title="Town hall cafe",
        description="A cafe in the village hall; volunteers will bake.",
    )
    person.meeting.agenda = "1. Walk to the hall\n2. Will it rain?"
    await certificates.revoke_certificate(
        session, SYSTEM, certificate_id=person.certificate.id, reason="Will asked for a new one"
    )
    await session.flush()

    await erase_person(session, SYSTEM, person.contact.id, REASON)

    notes = (
        await session.execute(
            select(StepProgress.notes, StepProgress.action_plan)
            .where(StepProgress.member_id == person.member.id, StepProgress.step == "FOCUS_IT")
            .execution_options(populate_existing=True)
        )
    ).one()
    assert tuple(notes) == (
        f"{colleague_note} Minutes by [erased] and [erased].",
        "Will the council fund it? Ask [erased].",
    )
    await session.refresh(initiative)
    await session.refresh(person.meeting)
    await session.refresh(person.certificate)
    assert initiative.description == "A cafe in the village hall; volunteers will bake."
    assert person.meeting.agenda == "1. Walk to the hall\n2. Will it rain?"
    # The person's own rows lose the lone words too.
    assert person.certificate.revoked_reason == "[erased] asked for a new one"
    initiative_audit = (
        await session.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.entity_type == "Initiative", AuditEvent.entity_id == initiative.id
            )
        )
    ).one()
    assert initiative_audit["title"] == "Town hall cafe"


async def test_former_names_and_addresses_are_erased_and_suppressed(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    person = await make.contact(
        member, "old.address@powys.example", first_name="Ottilie", last_name="Oldsurname"
    )
    await contacts.update_contact(session, SYSTEM, person.id, email="new.address@powys.example")
    await contacts.update_contact(
        session, SYSTEM, person.id, first_name="Tilly", last_name="Newsurname"
    )
    initiative = await initiatives.create_initiative(
        session,
        SYSTEM,
        member_id=member.id,
        title="Befriending",
        description="Set up by Ottilie Oldsurname (old.address@powys.example).",
    )

    await erase_person(session, SYSTEM, person.id, REASON)

    entries = (
        await session.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.entity_type == "Contact", AuditEvent.entity_id == person.id
            )
        )
    ).all()
    text = repr(entries).lower()
    for former in ("old.address", "ottilie", "oldsurname", "new.address", "tilly", "newsurname"):
        assert former not in text
    await session.refresh(initiative)
    assert initiative.description == "Set up by [erased] ([erased])."
    assert await suppressed(session, "old.address@powys.example") == 1
    assert await suppressed(session, "new.address@powys.example") == 1
    bare = await owe_notice(session, "Old.Address@powys.example", "to-former", None)
    assert (await message(session, bare)).status is OutboxStatus.SKIPPED


@pytest.mark.parametrize("status", [OutboxStatus.SKIPPED, OutboxStatus.FAILED])
async def test_a_message_to_an_erased_person_cannot_be_retried(
    session: AsyncSession, make: Factory, status: OutboxStatus
) -> None:
    member = await make.member()
    person = await make.contact(member, SHARED)
    message_id = await owe_notice(session, SHARED, "to-them", person.id)
    if status is OutboxStatus.FAILED:
        row = await message(session, message_id)
        row.status, row.last_error = OutboxStatus.FAILED, "550 5.1.1 No such user"
        await session.flush()
    await erase_person(session, SYSTEM, person.id, REASON)
    before = await message(session, message_id)
    state = (before.status, before.last_error, before.max_attempts)

    with pytest.raises(DomainError) as refused:
        await retry_outbox_message(session, SYSTEM, message_id)

    assert [(e.field, e.code) for e in refused.value.errors] == [("id", "RECIPIENT_ERASED")]
    after = await message(session, message_id)
    assert (after.status, after.last_error, after.max_attempts) == state
    assert before.status is status
