"""Erasure: the person anonymised in place, what others rely on unchanged, nothing sent to
them again, idempotent, audited with the reason only, refused to anyone but staff, and never
undone. (The search of the whole database after erasure: test_search_after_erasure.py.)"""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.auth.principal import SYSTEM, Principal, PrincipalKind
from network.certificates import service as certificates
from network.certificates.enums import CertificateStatus
from network.certificates.models import Certificate
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit import pii
from network.kit.enums import Role
from network.kit.errors import DomainError
from network.kit.ids import to_global_id
from network.kit.pii import address_digest
from network.meetings.models import MeetingInvitation, MeetingReminder, ReminderStatus
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxStatus
from network.messaging.service import QueuedEmail, queue_email, queue_emails, take_queued_ids
from network.privacy.erasure import erase_person
from network.privacy.models import SuppressedAddress
from network.training.models import Booking
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.erasure import EMAIL, FIRST, LAST, Person, build_person, what_others_rely_on
from tests.support.factories import Factory
from tests.support.helpers import error_codes, snapshot
from tests.support.messaging import NOTICE
from tests.support.training import Attended

REASON = "Asked by email on 1 December to be forgotten"


@pytest.fixture
async def person(session: AsyncSession) -> Person:
    return await build_person(session)


async def staff(make: Factory) -> Principal:
    user = await make.user(Role.STAFF)
    return Principal(PrincipalKind.STAFF, user_id=user.id, email=user.email)


async def test_the_person_is_anonymised_and_what_others_rely_on_stays_true(
    session: AsyncSession, make: Factory, person: Person
) -> None:
    before = await what_others_rely_on(session, person)
    old = {
        c.id: (c.number, c.sha256, c.status, c.course_title, c.cpd_hours)
        for c in (person.certificate, person.superseded)
    }
    caller = await staff(make)

    result = await erase_person(session, caller, person.contact.id, REASON)

    assert (result.contact_id, result.already_erased) == (person.contact.id, False)
    assert await what_others_rely_on(session, person) == before
    contact = await session.get_one(Contact, person.contact.id, populate_existing=True)
    assert (
        contact.first_name,
        contact.last_name,
        contact.email,
        contact.job_title,
        contact.consent_scope,
        contact.consent_method,
        contact.consent_given_at,
        contact.erased_at,
    ) == (
        "Erased",
        "person",
        f"erased+{contact.id}@erased.invalid",
        None,
        None,
        None,
        None,
        result.erased_at,
    )
    assert contact.archived_at is not None
    user = await session.get_one(User, person.user.id, populate_existing=True)
    assert (user.email, user.name, user.password_hash, user.is_active) == (
        pii.erased_address(user.id),
        "Erased person",
        None,
        False,
    )
    for model in (LoginLink, PortalSignIn, ApiToken):
        count = select(func.count()).select_from(model).where(model.user_id == user.id)
        assert await session.scalar(count) == 0
    rows = (
        await session.execute(
            select(Certificate)
            .where(Certificate.contact_id == contact.id)
            .execution_options(populate_existing=True)
        )
    ).scalars()
    kept = {}
    for certificate in rows:
        await session.refresh(certificate, ["pdf"])
        assert (certificate.holder_name, certificate.pdf) == (None, None)
        kept[certificate.id] = (
            certificate.number,
            certificate.sha256,
            certificate.status,
            certificate.course_title,
            certificate.cpd_hours,
        )
    assert kept == old
    reasons = await session.scalars(
        select(Booking.cancellation_reason).where(Booking.contact_id == contact.id)
    )
    assert list(reasons) == [None, None]
    planned = await session.scalar(
        select(func.count())
        .select_from(MeetingReminder)
        .join(MeetingInvitation, MeetingInvitation.id == MeetingReminder.invitation_id)
        .where(
            MeetingInvitation.contact_id == contact.id,
            MeetingReminder.status == ReminderStatus.PLANNED,
        )
    )
    assert planned == 0
    suppressed = await session.scalar(
        select(SuppressedAddress.reason).where(
            SuppressedAddress.address_sha256 == address_digest(EMAIL)
        )
    )
    assert suppressed == "erased"


async def test_the_audit_trail_says_who_when_and_why_but_not_what(
    session: AsyncSession, make: Factory, person: Person
) -> None:
    caller = await staff(make)

    await erase_person(session, caller, person.contact.id, f"  {FIRST} {LAST} asked,  by phone ")
    await session.flush()

    event = (
        await session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.erased"))
    ).one()
    assert (
        event.actor_user_id,
        event.actor_role,
        event.entity_type,
        event.entity_id,
        event.changes,
    ) == (
        caller.user_id,
        "STAFF",
        "Contact",
        person.contact.id,
        {"reason": "[erased] asked, by phone"},
    )
    created = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "contact.created", AuditEvent.entity_id == person.contact.id
            )
        )
    ).one()
    # Keys kept, values naming the person replaced.
    assert (created.changes["email"], created.changes["first_name"]) == ("[erased]", "[erased]")
    assert created.changes["last_name"] == "[erased]"


async def test_erasing_twice_changes_nothing(
    session: AsyncSession, make: Factory, person: Person
) -> None:
    caller = await staff(make)
    first = await erase_person(session, caller, person.contact.id, REASON)
    await session.flush()
    before = await snapshot(session)

    again = await erase_person(session, SYSTEM, person.contact.id, "Retention: inactive")
    await session.flush()

    assert (again.already_erased, again.erased_at) == (True, first.erased_at)
    assert await snapshot(session) == before
    erased_events = select(func.count()).where(AuditEvent.action == "contact.erased")
    assert await session.scalar(erased_events) == 1


async def test_nothing_is_sent_to_an_erased_person_again(
    session: AsyncSession, make: Factory
) -> None:
    member = await make.member()
    contact = await make.contact(member, EMAIL, first_name=FIRST, last_name=LAST)
    colleague = await make.contact(member, "colleague@powys.example")
    pending = await queue_email(
        session,
        template="notice",
        to_email=EMAIL,
        language="en",
        context=NOTICE,
        dedup_key="before-erasure",
        contact_id=contact.id,
    )
    await erase_person(session, SYSTEM, contact.id, REASON)
    take_queued_ids(session)  # what was owed before: not this test's business

    ids = await queue_emails(
        session,
        [
            QueuedEmail("notice", EMAIL, "en", NOTICE, "to-the-contact", contact_id=contact.id),
            # The old address, in another case, with no contact: the suppression list knows it.
            QueuedEmail("notice", "Zebedee.QUILLFEATHER@powys.example", "en", NOTICE, "to-old"),
            QueuedEmail("notice", colleague.email, "en", NOTICE, "to-colleague"),
        ],
    )

    states = {
        m.dedup_key: (m.status, m.last_error, m.to_email)
        for m in (
            await session.scalars(select(OutboxMessage).execution_options(populate_existing=True))
        )
        if m.dedup_key in {"before-erasure", "to-the-contact", "to-old", "to-colleague"}
    }
    erased_address = pii.erased_address(contact.id)
    assert states == {
        "before-erasure": (OutboxStatus.SKIPPED, "recipient erased", erased_address),
        "to-the-contact": (OutboxStatus.SKIPPED, "recipient erased", erased_address),
        "to-old": (OutboxStatus.SKIPPED, "recipient erased", "erased@erased.invalid"),
        "to-colleague": (OutboxStatus.PENDING, None, "colleague@powys.example"),
    }
    assert pending is not None
    assert take_queued_ids(session) == [ids[2]]  # only the colleague's is owed to delivery


async def test_an_erased_contact_is_not_restored_edited_reissued_or_certified_again(
    session: AsyncSession, person: Person, attended: Attended
) -> None:
    unissued = await attended.session_with([person.contact, person.colleague])
    await erase_person(session, SYSTEM, person.contact.id, REASON)

    with pytest.raises(DomainError) as restore:
        await contact_cases.archive_contact(session, SYSTEM, person.contact.id, archived=False)
    with pytest.raises(DomainError) as update:
        await contacts.update_contact(session, SYSTEM, person.contact.id, first_name=FIRST)
    with pytest.raises(DomainError) as reissue:
        await certificates.reissue_certificate(
            session, SYSTEM, certificate_id=person.certificate.id, holder_name=FIRST
        )
    issued = await certificates.issue_certificates(session, SYSTEM, session_id=unissued.id)

    assert [(e.field, e.code) for e in restore.value.errors] == [("id", "ERASED")]
    assert [(e.field, e.code) for e in update.value.errors] == [("id", "ERASED")]
    assert [(e.field, e.code) for e in reissue.value.errors] == [("certificateId", "HOLDER_ERASED")]
    assert [c.contact_id for c in issued] == [person.colleague.id]


ERASE = """
mutation ($input: ErasePersonInput!) {
  erasePerson(input: $input) { erasedAt userErrors { field code message } }
}
"""


async def test_staff_erase_a_person_through_graphql(
    gql: GraphQL, make: Factory, person: Person, session: AsyncSession
) -> None:
    token = await make.token(Role.STAFF)
    contact_id = to_global_id("Contact", person.contact.id)

    body = await gql(ERASE, {"input": {"contactId": contact_id, "reason": REASON}}, token=token)

    payload = body["data"]["erasePerson"]
    assert payload["userErrors"] == []
    erased_at = (
        await session.get_one(Contact, person.contact.id, populate_existing=True)
    ).erased_at
    assert erased_at is not None
    assert payload["erasedAt"] == erased_at.isoformat()
    looked_up = await gql(
        "query ($id: ID!) { node(id: $id) {"
        " ... on Contact { firstName lastName email erasedAt } } }",
        {"id": contact_id},
        token=token,
    )
    assert looked_up == {
        "data": {
            "node": {
                "firstName": "Erased",
                "lastName": "person",
                "email": pii.erased_address(person.contact.id),
                "erasedAt": erased_at.isoformat(),
            }
        }
    }


async def test_partners_and_members_may_not_erase(
    gql: GraphQL, make: Factory, person: Person, session: AsyncSession
) -> None:
    partner_token = await make.token(Role.PARTNER, partner=person.partner)
    member_token = await make.token(Role.MEMBER, contact=person.colleague)
    variables = {
        "input": {"contactId": to_global_id("Contact", person.contact.id), "reason": REASON}
    }
    before = await snapshot(session)

    refused = [
        error_codes((await gql(ERASE, variables, token=t))["data"]["erasePerson"])
        for t in (partner_token, member_token)
    ]

    assert refused == [[("contactId", "FORBIDDEN")], [("contactId", "FORBIDDEN")]]
    assert await snapshot(session) == before


@pytest.mark.parametrize(
    ("contact", "reason", "expected"),
    [
        ("person", "   ", [("reason", "BLANK")]),
        ("person", "x" * 501, [("reason", "TOO_LONG")]),
        ("unknown", REASON, [("contactId", "NOT_FOUND")]),
        ("malformed", REASON, [("contactId", "NOT_FOUND")]),
    ],
)
async def test_bad_input_names_the_field_and_changes_nothing(
    gql: GraphQL,
    make: Factory,
    person: Person,
    session: AsyncSession,
    contact: str,
    reason: str,
    expected: list[tuple[str, str]],
) -> None:
    token = await make.token(Role.STAFF)
    ids = {
        "person": to_global_id("Contact", person.contact.id),
        "unknown": to_global_id("Contact", uuid.uuid4()),
        "malformed": "not-an-id",
    }
    before = await snapshot(session)

    body = await gql(ERASE, {"input": {"contactId": ids[contact], "reason": reason}}, token=token)

    assert error_codes(body["data"]["erasePerson"]) == expected
    assert body["data"]["erasePerson"]["erasedAt"] is None
    assert await snapshot(session) == before


VERIFY = """
query ($code: String!) {
  verifyCertificate(code: $code) {
    number holderName holderNameWithheld courseTitle cpdHours status supersededByNumber
  }
}
"""


async def test_a_certificate_of_an_erased_person_still_verifies_with_the_name_withheld(
    gql: GraphQL, client: httpx.AsyncClient, make: Factory, person: Person, session: AsyncSession
) -> None:
    await erase_person(session, SYSTEM, person.contact.id, REASON)
    current, old = person.certificate, person.superseded

    answers = [
        (await gql(VERIFY, {"code": c.verification_code}))["data"]["verifyCertificate"]
        for c in (current, old)
    ]
    english = await client.get(f"/verify/{current.verification_code}")
    french = await client.get(f"/verify/{current.verification_code}?lang=fr")
    token = await make.token(Role.STAFF)
    download = await client.get(
        f"/certificates/{current.id}.pdf", headers={"Authorization": f"Bearer {token}"}
    )

    assert answers == [
        {
            "number": current.number,
            "holderName": None,
            "holderNameWithheld": True,
            "courseTitle": "Outcome-Based Commissioning",
            "cpdHours": 6.0,
            "status": "VALID",
            "supersededByNumber": None,
        },
        {
            "number": old.number,
            "holderName": None,
            "holderNameWithheld": True,
            "courseTitle": "Outcome-Based Commissioning",
            "cpdHours": 6.0,
            "status": "SUPERSEDED",
            "supersededByNumber": current.number,
        },
    ]
    assert english.status_code == 200
    assert "Holder&#39;s name withheld" in english.text or "Holder's name withheld" in english.text
    assert "This certificate is genuine and valid." in english.text
    assert "Outcome-Based Commissioning" in english.text
    assert current.session_date_text in english.text
    assert FIRST not in english.text and LAST not in english.text
    assert french.status_code == 200
    assert "Nom du titulaire non communiqué" in french.text
    assert (download.status_code, "Traceback" in download.text) == (404, False)
    status = await session.scalar(select(Certificate.status).where(Certificate.id == current.id))
    assert status is CertificateStatus.VALID


async def test_sent_attachments_of_the_person_are_deleted(
    session: AsyncSession, person: Person
) -> None:
    theirs = select(OutboxMessage.id).where(OutboxMessage.contact_id == person.contact.id)
    count = (
        select(func.count())
        .select_from(OutboxAttachment)
        .where(OutboxAttachment.message_id.in_(theirs))
    )
    assert (await session.scalar(count) or 0) >= 2  # the certificates' PDFs at least

    await erase_person(session, SYSTEM, person.contact.id, REASON)

    assert await session.scalar(count) == 0
