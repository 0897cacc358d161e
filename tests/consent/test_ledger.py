"""The consent ledger: appended, derived, kept in step with the opt-outs, scoped."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM, Principal
from network.auth.service import principal_for
from network.consent import service as consent
from network.consent.models import ConsentEvent
from network.consent.wording import CURRENT, VERSIONS, current_version
from network.kit.enums import ConsentChannel, ConsentPurpose, Role
from network.kit.errors import DomainError
from network.usecases import contacts as contact_cases
from tests.support.factories import Factory

MEETINGS = ConsentPurpose.MEETING_INVITATIONS
NEWS = ConsentPurpose.NETWORK_NEWS
TRAINING = ConsentPurpose.TRAINING_OFFERS


async def ledger(session: AsyncSession, contact_id: object) -> list[tuple[str, bool, str, str]]:
    rows = await session.execute(
        select(
            ConsentEvent.purpose,
            ConsentEvent.given,
            ConsentEvent.channel,
            ConsentEvent.wording_version,
        )
        .where(ConsentEvent.contact_id == contact_id)
        .order_by(ConsentEvent.id)
    )
    return [(str(p), g, str(c), w) for p, g, c, w in rows.all()]


async def staff(make: Factory) -> Principal:
    return principal_for(await make.user(Role.STAFF))


async def test_a_withdrawal_is_appended_and_the_opt_outs_follow(
    session: AsyncSession, make: Factory
) -> None:
    contact = await make.contact(await make.member())
    by = await staff(make)
    recorded = await consent.record_consent(
        session, by, contact.id, MEETINGS, False, ConsentChannel.PHONE
    )
    assert recorded.event is not None
    assert recorded.event.recorded_by_user_id == by.user_id
    assert contact.email_opt_outs == ["programme"]
    states = {s.purpose: s for s in await consent.current_consent(session, by, contact.id)}
    assert [(p, s.given, s.wording_version, s.channel) for p, s in states.items()] == [
        (NEWS, True, None, None),  # never recorded: given (legitimate interest)
        (MEETINGS, False, CURRENT[MEETINGS], ConsentChannel.PHONE),
        (TRAINING, True, None, None),
    ]
    assert states[MEETINGS].since == recorded.event.recorded_at

    # The same state again appends nothing (a provider's second one-click POST, say).
    again = await consent.record_consent(
        session, by, contact.id, MEETINGS, False, ConsentChannel.EMAIL
    )
    assert again.event is None

    await consent.record_consent(session, by, contact.id, NEWS, False, ConsentChannel.FORM)
    assert contact.email_opt_outs == ["newsletter", "programme"]
    await consent.record_consent(session, by, contact.id, MEETINGS, True, ConsentChannel.FORM)
    assert contact.email_opt_outs == ["newsletter"]
    assert await ledger(session, contact.id) == [
        ("MEETING_INVITATIONS", False, "PHONE", "meetings-2026-12"),
        ("NETWORK_NEWS", False, "FORM", "news-2026-12"),
        ("MEETING_INVITATIONS", True, "FORM", "meetings-2026-12"),
    ]
    page = await consent.consent_ledger(session, by, contact.id)
    assert [(r.purpose, r.given) for r in page.rows] == [  # newest first
        (MEETINGS, True),
        (NEWS, False),
        (MEETINGS, False),
    ]
    assert {(r.recorded_by, r.recorded_by_email) for r in page.rows} == {("STAFF", by.email)}
    await session.flush()
    actions = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_id == contact.id, AuditEvent.action.like("consent.%"))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    ).all()
    assert actions == ["consent.withdrawn", "consent.withdrawn", "consent.given"]


async def test_giving_again_with_new_words_is_new_evidence(
    session: AsyncSession, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = await make.contact(await make.member())
    await consent.record_consent(session, SYSTEM, contact.id, NEWS, True, ConsentChannel.FORM)
    same = await consent.record_consent(
        session, SYSTEM, contact.id, NEWS, True, ConsentChannel.FORM
    )
    assert same.event is None
    with pytest.raises(DomainError) as refused:
        await consent.record_consent(
            session, SYSTEM, contact.id, NEWS, True, ConsentChannel.FORM, "meetings-2026-12"
        )
    assert [(e.field, e.code) for e in refused.value.errors] == [
        ("wordingVersion", "UNKNOWN_WORDING")
    ]
    old = VERSIONS[current_version(NEWS)]
    monkeypatch.setitem(
        VERSIONS, "news-2027-06", type(old)("news-2027-06", NEWS, old.name, old.text)
    )
    monkeypatch.setitem(CURRENT, NEWS, "news-2027-06")
    newer = await consent.record_consent(
        session, SYSTEM, contact.id, NEWS, True, ConsentChannel.FORM
    )
    assert newer.event is not None and newer.event.wording_version == "news-2027-06"


async def test_who_may_record_whose_consent(session: AsyncSession, make: Factory) -> None:
    wales = await make.partner("wales")
    france = await make.partner("france")
    powys = await make.member("Powys County Council", partner=wales)
    contact = await make.contact(powys, "rhian@powys.example")
    colleague = await make.contact(powys, "owen@powys.example")
    partner_a = principal_for(await make.user(Role.PARTNER, partner=wales))
    partner_b = principal_for(await make.user(Role.PARTNER, partner=france))
    member = principal_for(await make.user(Role.MEMBER, contact=contact))

    async def refused(principal: Principal, contact_id: uuid.UUID, channel: ConsentChannel) -> str:
        with pytest.raises(DomainError) as error:
            await consent.record_consent(session, principal, contact_id, NEWS, False, channel)
        return ",".join(f"{e.field}:{e.code}" for e in error.value.errors)

    assert await refused(partner_b, contact.id, ConsentChannel.PHONE) == "contactId:NOT_FOUND"
    assert await refused(member, colleague.id, ConsentChannel.FORM) == "contactId:NOT_FOUND"
    assert await refused(member, contact.id, ConsentChannel.PHONE) == (
        "channel:CHANNEL_NOT_ALLOWED"
    )
    assert await refused(partner_a, contact.id, ConsentChannel.EMAIL_LINK) == (
        "channel:CHANNEL_NOT_ALLOWED"
    )
    assert await refused(SYSTEM, contact.id, ConsentChannel.MIGRATION) == (
        "channel:CHANNEL_NOT_ALLOWED"
    )
    assert await ledger(session, contact.id) == []
    with pytest.raises(DomainError):
        await consent.current_consent(session, partner_b, contact.id)
    assert (await consent.consent_ledger(session, partner_b, contact.id)).rows == []

    await consent.record_consent(session, member, contact.id, NEWS, False, ConsentChannel.FORM)
    await consent.record_consent(
        session, partner_a, contact.id, TRAINING, False, ConsentChannel.PHONE
    )
    assert await ledger(session, contact.id) == [
        ("NETWORK_NEWS", False, "FORM", "news-2026-12"),
        ("TRAINING_OFFERS", False, "PHONE", "training-2026-12"),
    ]
    assert [
        r.purpose for r in (await consent.consent_ledger(session, member, contact.id)).rows
    ] == [
        TRAINING,
        NEWS,
    ]


async def test_opt_outs_changed_on_the_contact_form_become_ledger_entries(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    by = await staff(make)
    contact = await contact_cases.create_contact(
        session,
        by,
        member_id=member.id,
        email="form@example.org",
        first_name="Ffion",
        last_name="Hughes",
        email_opt_outs=["training"],
    )
    await contact_cases.update_contact(
        session, by, contact.id, email_opt_outs=["programme", "newsletter"]
    )
    await contact_cases.update_contact(session, by, contact.id, first_name="Ffion Mair")
    assert await ledger(session, contact.id) == [
        ("TRAINING_OFFERS", False, "FORM", "training-2026-12"),
        ("NETWORK_NEWS", False, "FORM", "news-2026-12"),
        ("MEETING_INVITATIONS", False, "FORM", "meetings-2026-12"),
        ("TRAINING_OFFERS", True, "FORM", "training-2026-12"),
    ]
    recorders = (
        await session.scalars(
            select(ConsentEvent.recorded_by_user_id).where(ConsentEvent.contact_id == contact.id)
        )
    ).all()
    assert set(recorders) == {by.user_id}
    states = await consent.current_consent(session, by, contact.id)
    assert [(s.purpose, s.given) for s in states] == [
        (NEWS, False),
        (MEETINGS, False),
        (TRAINING, True),
    ]
    assert contact.email_opt_outs == ["newsletter", "programme"]


async def test_the_recorder_is_told_as_a_kind_and_by_address_to_staff_only(
    session: AsyncSession, make: Factory
) -> None:
    partner = await make.partner()
    contact = await make.contact(await make.member(partner=partner), "ledger-self@example.org")
    by_staff = await staff(make)
    by_partner = principal_for(await make.user(Role.PARTNER, partner=partner))
    themselves = principal_for(await make.user(Role.MEMBER, contact=contact))
    await consent.record_consent(session, by_staff, contact.id, NEWS, False, ConsentChannel.PHONE)
    await consent.record_consent(
        session, by_partner, contact.id, MEETINGS, False, ConsentChannel.EMAIL
    )
    await consent.record_consent(session, themselves, contact.id, NEWS, True, ConsentChannel.FORM)
    await consent.record_consent(
        session, SYSTEM, contact.id, TRAINING, False, ConsentChannel.EMAIL_LINK
    )
    expected_kinds = ["SYSTEM", "PERSON", "PARTNER", "STAFF"]  # newest first

    seen_by_staff = (await consent.consent_ledger(session, by_staff, contact.id)).rows
    assert [r.recorded_by for r in seen_by_staff] == expected_kinds
    assert [r.recorded_by_email for r in seen_by_staff] == [
        None,
        themselves.email,
        by_partner.email,
        by_staff.email,
    ]
    for viewer in (by_partner, themselves):
        rows = (await consent.consent_ledger(session, viewer, contact.id)).rows
        assert [r.recorded_by for r in rows] == expected_kinds
        assert [r.recorded_by_email for r in rows] == [None] * 4
    assert consent.recorder_of(themselves) is consent.Recorder.PERSON
    assert consent.recorder_of(SYSTEM) is consent.Recorder.SYSTEM
