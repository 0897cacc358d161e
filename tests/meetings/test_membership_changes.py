"""Invitations follow membership: a member leaving a cohort, a contact added, archived, restored."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from network.audit.models import AuditEvent
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import acting, utcnow
from network.kit.enums import Network, RsvpResponse
from network.kit.errors import NotFound
from network.meetings import links, membership
from network.meetings import service as meetings
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.meetings.reminders import send_due_reminders
from network.messaging.rendering import Renderer
from network.usecases import cohorts as cohort_cases
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.meetings import Scene, attachments, outbox, planned, schedule, tokens, upcoming

EVERYONE = ["marie@anglesey.example", "sian@powys.example", "tom@powys.example"]


async def invited(session: AsyncSession, meeting_id: uuid.UUID) -> list[tuple[str, str | None]]:
    """(email, response) of each invitation of a meeting, by email."""
    statement = (
        select(Contact.email, MeetingInvitation.response)
        .join(Contact, Contact.id == MeetingInvitation.contact_id)
        .where(MeetingInvitation.meeting_id == meeting_id)
        .order_by(Contact.email)
    )
    return [
        (email, str(response) if response else None)
        for email, response in await session.execute(statement)
    ]


async def invitation_id(
    session: AsyncSession, meeting_id: uuid.UUID, contact_id: uuid.UUID
) -> uuid.UUID:
    statement = select(MeetingInvitation.id).where(
        MeetingInvitation.meeting_id == meeting_id, MeetingInvitation.contact_id == contact_id
    )
    return (await session.scalars(statement)).one()


async def into_the_past(session: AsyncSession, meeting: NetworkMeeting) -> None:
    """Move a meeting back in time (the service refuses to schedule one in the past)."""
    start = utcnow() - timedelta(days=3)
    await session.execute(
        update(NetworkMeeting)
        .where(NetworkMeeting.id == meeting.id)
        .values(starts_at=start, ends_at=start + timedelta(hours=2))
    )
    await session.flush()


async def withdrawals_audited(session: AsyncSession, meeting_id: uuid.UUID) -> list[Any]:
    """(withdrawn, notified) of each withdrawal audited for a meeting, oldest first."""
    await session.flush()  # audit events are added to the session, written with the change
    statement = (
        select(AuditEvent.changes)
        .where(AuditEvent.action == "meeting.withdrawn", AuditEvent.entity_id == meeting_id)
        .order_by(AuditEvent.id)
    )
    return [(c["withdrawn"], c["notified"]) for c in (await session.scalars(statement)).all()]


async def test_removing_a_member_withdraws_only_its_contacts_from_upcoming_meetings(
    session: AsyncSession,
    session_factory: async_sessionmaker[AsyncSession],
    scene: Scene,
    make: Factory,
    renderer: Renderer,
) -> None:
    held = await schedule(session, scene.cohort, starts_at=upcoming(days=10), title="Map It")
    await meetings.rsvp(
        session, SYSTEM, meeting_id=held.id, contact_id=scene.tom.id, response=RsvpResponse.YES
    )
    await into_the_past(session, held)
    starts = upcoming(days=20)
    meeting = await schedule(session, scene.cohort, starts_at=starts, offsets=[1440])
    network_wide = await schedule(
        session, None, network=Network.CITIZEN_POWERED_COUNCIL, starts_at=upcoming(days=25)
    )
    other_cohort = await make.cohort("Wales cohort 2", partner=scene.partner, members=[scene.powys])
    elsewhere = await schedule(session, other_cohort, starts_at=upcoming(days=21))
    tom_link = links.rsvp_token(await invitation_id(session, meeting.id, scene.tom.id))
    assert await meetings.invitation_by_token(session, tom_link) is not None

    await cohort_cases.remove_cohort_member(
        session, SYSTEM, cohort_id=scene.cohort.id, member_id=scene.powys.id
    )

    assert await invited(session, meeting.id) == [("marie@anglesey.example", None)]
    assert await planned(session, meeting.id) == [("marie@anglesey.example", 1440, "PLANNED")]
    # The meeting already held keeps its invitees and their answers.
    assert await invited(session, held.id) == [
        ("marie@anglesey.example", None),
        ("sian@powys.example", None),
        ("tom@powys.example", "YES"),
    ]
    # Leaving a cohort does not take anyone out of the network's own meetings.
    assert [email for email, _ in await invited(session, network_wide.id)] == [
        "marie@anglesey.example",
        "sian@powys.example",
        "someone@kent.example",
        "tom@powys.example",
    ]
    # Nor out of the meetings of another cohort the member stays in.
    assert await invited(session, elsewhere.id) == [
        ("sian@powys.example", None),
        ("tom@powys.example", None),
    ]
    # A withdrawn invitation's RSVP link answers like a link that never existed.
    assert await meetings.invitation_by_token(session, tom_link) is None
    with pytest.raises(NotFound):
        await meetings.respond_by_token(session, tom_link, RsvpResponse.YES)

    cancelled = await outbox(session, "meeting_cancellation")
    assert [(m.to_email, m.language, m.context["withdrawn"]) for m in cancelled] == [
        ("sian@powys.example", "cy", True),
        ("tom@powys.example", "en", True),
    ]
    assert all(m.dedup_key.startswith(f"meeting-withdrawal:{meeting.id}:") for m in cancelled)
    await session.refresh(meeting)
    assert meeting.sequence == 1
    files = await attachments(session, cancelled[1].id)
    assert files[0].content_type == "text/calendar; method=CANCEL; charset=utf-8"
    ics = files[0].content.decode()
    assert "METHOD:CANCEL\r\n" in ics
    assert f"UID:{links.calendar_uid(meeting.id)}\r\n" in ics
    assert "SEQUENCE:1\r\n" in ics
    assert "tom@powys.example" in ics
    assert await withdrawals_audited(session, meeting.id) == [(2, 2)]
    # The cancellation's wording says the invitation was withdrawn, not the meeting called off.
    english = renderer.render(cancelled[1].template, cancelled[1].language, cancelled[1].context)
    assert english.subject.startswith("No longer invited: Focus It network meeting, ")
    assert "Your invitation to the network meeting Focus It network meeting on " in english.text
    assert "has been cancelled" not in english.text
    welsh = renderer.render(cancelled[0].template, cancelled[0].language, cancelled[0].context)
    withdrawn_cy = "wedi\u2019i dynnu\u2019n \u00f4l"  # "wedi'i dynnu'n ôl", curly apostrophes
    assert welsh.subject.startswith(f"Gwahoddiad {withdrawn_cy}: Focus It network meeting")
    assert withdrawn_cy in welsh.text and withdrawn_cy in welsh.html

    # A retry withdraws and queues nothing more.
    again = await membership.withdraw_from_upcoming_meetings(
        session, SYSTEM, cohort_id=scene.cohort.id, member_id=scene.powys.id
    )
    assert again == 0
    assert len(await outbox(session, "meeting_cancellation")) == 2

    # When the reminder falls due, only the cohort's remaining member is reminded.
    await session.commit()
    with acting(SYSTEM):  # as the reminder worker runs
        await send_due_reminders(session_factory, now=starts - timedelta(days=1), batch_size=10)
    reminded = [
        m.to_email
        for m in await outbox(session, "meeting_reminder")
        if m.dedup_key.startswith(f"meeting-reminder:{meeting.id}:")
    ]
    assert reminded == ["marie@anglesey.example"]


async def test_a_member_that_comes_back_is_invited_again_and_can_leave_again(
    session: AsyncSession, scene: Scene
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=20))
    first_tom = await invitation_id(session, meeting.id, scene.tom.id)
    await cohort_cases.remove_cohort_member(
        session, SYSTEM, cohort_id=scene.cohort.id, member_id=scene.powys.id
    )
    await cohort_cases.add_cohort_member(
        session, SYSTEM, cohort_id=scene.cohort.id, member_id=scene.powys.id
    )
    assert [email for email, _ in await invited(session, meeting.id)] == EVERYONE
    assert [row for row in await planned(session, meeting.id) if row[2] == "PLANNED"] == [
        (email, offset, "PLANNED") for email in EVERYONE for offset in (1440, 10080)
    ]
    second_tom = await invitation_id(session, meeting.id, scene.tom.id)
    assert second_tom != first_tom
    invitations = [
        (m.to_email, m.dedup_key)
        for m in await outbox(session, "meeting_invitation")
        if m.to_email == "tom@powys.example"
    ]
    assert sorted(invitations) == sorted(
        [
            ("tom@powys.example", f"meeting-invitation:{meeting.id}:{scene.tom.id}"),
            (
                "tom@powys.example",
                f"meeting-invitation:{meeting.id}:{scene.tom.id}:{second_tom}",
            ),
        ]
    )
    await cohort_cases.remove_cohort_member(
        session, SYSTEM, cohort_id=scene.cohort.id, member_id=scene.powys.id
    )
    assert sorted(
        m.dedup_key
        for m in await outbox(session, "meeting_cancellation")
        if m.to_email == "tom@powys.example"
    ) == sorted(
        [
            f"meeting-withdrawal:{meeting.id}:{first_tom}",
            f"meeting-withdrawal:{meeting.id}:{second_tom}",
        ]
    )
    await session.refresh(meeting)
    assert meeting.sequence == 2
    assert await withdrawals_audited(session, meeting.id) == [(2, 2), (2, 2)]


async def test_a_new_contact_is_invited_to_its_members_upcoming_meetings(
    session: AsyncSession, make: Factory, scene: Scene
) -> None:
    held = await schedule(session, scene.cohort, starts_at=upcoming(days=10), title="Map It")
    await into_the_past(session, held)
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=20))
    network_wide = await schedule(
        session, None, network=Network.CITIZEN_POWERED_COUNCIL, starts_at=upcoming(days=25)
    )
    city = await schedule(
        session, None, network=Network.CITIZEN_POWERED_CITY, starts_at=upcoming(days=26)
    )
    before = len(await outbox(session, "meeting_invitation"))

    nia = await make.contact(scene.powys, "nia@powys.example", first_name="Nia", language="cy")

    assert "nia@powys.example" in [email for email, _ in await invited(session, meeting.id)]
    assert "nia@powys.example" in [email for email, _ in await invited(session, network_wide.id)]
    assert "nia@powys.example" not in [email for email, _ in await invited(session, held.id)]
    assert await invited(session, city.id) == []
    assert [row for row in await planned(session, meeting.id) if row[0] == "nia@powys.example"] == [
        ("nia@powys.example", 1440, "PLANNED"),
        ("nia@powys.example", 10080, "PLANNED"),
    ]
    sent = [m for m in await outbox(session, "meeting_invitation") if m.contact_id == nia.id]
    assert sorted((m.language, m.dedup_key) for m in sent) == sorted(
        [
            ("cy", f"meeting-invitation:{meeting.id}:{nia.id}"),
            ("cy", f"meeting-invitation:{network_wide.id}:{nia.id}"),
        ]
    )
    assert len(await outbox(session, "meeting_invitation")) == before + 2

    # Someone who does not take programme emails is not invited at all.
    quiet = await contact_cases.create_contact(
        session,
        SYSTEM,
        member_id=scene.powys.id,
        email="hush@powys.example",
        first_name="Hush",
        last_name="Quiet",
        email_opt_outs=["programme"],
    )
    assert "hush@powys.example" not in [email for email, _ in await invited(session, meeting.id)]
    assert [m for m in await outbox(session) if m.contact_id == quiet.id] == []


async def test_archiving_a_contact_withdraws_it_and_restoring_invites_it_again(
    session: AsyncSession, scene: Scene
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=20))
    network_wide = await schedule(
        session, None, network=Network.CITIZEN_POWERED_COUNCIL, starts_at=upcoming(days=25)
    )
    await contact_cases.archive_contact(session, SYSTEM, scene.tom.id)

    assert "tom@powys.example" not in [email for email, _ in await invited(session, meeting.id)]
    assert "tom@powys.example" not in [
        email for email, _ in await invited(session, network_wide.id)
    ]
    assert [email for email, _ in await invited(session, meeting.id)] == [
        "marie@anglesey.example",
        "sian@powys.example",
    ]
    assert all(row[0] != "tom@powys.example" for row in await planned(session, meeting.id))
    assert sorted(
        (m.to_email, m.dedup_key.split(":")[1])
        for m in await outbox(session, "meeting_cancellation")
    ) == sorted(
        [("tom@powys.example", str(meeting.id)), ("tom@powys.example", str(network_wide.id))]
    )
    assert await withdrawals_audited(session, meeting.id) == [(1, 1)]

    await contact_cases.archive_contact(session, SYSTEM, scene.tom.id, archived=False)
    assert "tom@powys.example" in [email for email, _ in await invited(session, meeting.id)]
    assert "tom@powys.example" in [email for email, _ in await invited(session, network_wide.id)]
    again = await invitation_id(session, meeting.id, scene.tom.id)
    assert f"meeting-invitation:{meeting.id}:{scene.tom.id}:{again}" in [
        m.dedup_key for m in await outbox(session, "meeting_invitation")
    ]


REMOVE = """
mutation($input: CohortMemberInput!) {
  removeCohortMember(input: $input) { cohort { name } userErrors { field code } }
}"""
CREATE = """
mutation($input: CreateContactInput!) {
  createContact(input: $input) { contact { email } userErrors { field code } }
}"""
ARCHIVE = """
mutation($input: ArchiveContactInput!) {
  archiveContact(input: $input) { contact { email } userErrors { field code } }
}"""


async def test_the_partners_mutations_take_the_same_path(
    gql: GraphQL, make: Factory, scene: Scene, session: AsyncSession
) -> None:
    meeting = await schedule(session, scene.cohort, starts_at=upcoming(days=20))
    token = (await tokens(make, scene))["partner"]

    result = await gql(
        CREATE,
        {
            "input": {
                "memberId": gid("Member", scene.anglesey),
                "email": "new@anglesey.example",
                "firstName": "Newydd",
                "lastName": "Person",
            }
        },
        token=token,
    )
    assert result["data"]["createContact"] == {
        "contact": {"email": "new@anglesey.example"},
        "userErrors": [],
    }
    new = (
        await session.scalars(select(Contact).where(Contact.email == "new@anglesey.example"))
    ).one()
    assert ("new@anglesey.example", None) in await invited(session, meeting.id)

    result = await gql(
        ARCHIVE, {"input": {"id": gid("Contact", new), "archived": True}}, token=token
    )
    assert result["data"]["archiveContact"]["userErrors"] == []
    assert ("new@anglesey.example", None) not in await invited(session, meeting.id)

    member = {"cohortId": gid("Cohort", scene.cohort), "memberId": gid("Member", scene.powys)}
    result = await gql(REMOVE, {"input": member}, token=token)
    assert result["data"]["removeCohortMember"] == {
        "cohort": {"name": "Wales cohort 1"},
        "userErrors": [],
    }
    assert await invited(session, meeting.id) == [("marie@anglesey.example", None)]
    assert sorted(m.to_email for m in await outbox(session, "meeting_cancellation")) == [
        "new@anglesey.example",
        "sian@powys.example",
        "tom@powys.example",
    ]
