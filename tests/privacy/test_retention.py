"""Retention: rules per partner over the defaults, a report that is exactly what the run then
does, and a run that erases, prunes and deletes what is due, once.

The rows are made now and the run is asked about a moment years later (`now` is an argument
of `plan` and `apply`), so nothing has to be back-dated.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from network.audit.models import AuditEvent
from network.auth.models import ApiToken, LoginLink, PortalSignIn, User
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import MeetingStatus, MembershipStatus, Network, Role, RsvpResponse, StarStep
from network.kit.errors import DomainError
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxAttachment, OutboxMessage, OutboxReceipt, OutboxStatus
from network.messaging.service import PRUNED_CONTEXT, queue_email, retry_outbox_message
from network.partners.models import Partner
from network.privacy import retention
from network.privacy.models import ExportStatus, PersonalDataExport, RetentionRuleKind
from network.privacy.retention import DEFAULT_DAYS, RetentionPlan, RuleSource
from network.privacy.retention_queries import Target
from network.usecases import contacts as contact_cases
from tests.support.app import GraphQL
from tests.support.factories import Factory, gid
from tests.support.helpers import snapshot
from tests.support.training import TrainingFactory

Kind = RetentionRuleKind
DAY = timedelta(days=1)
SIX_YEARS = DEFAULT_DAYS[Kind.INACTIVE_CONTACTS] * DAY
TWO_YEARS = DEFAULT_DAYS[Kind.PROSPECT_CONTACTS] * DAY


async def active_member(session: AsyncSession, make: Factory, **kw: Any) -> Member:
    """A member that has joined (factories make prospects)."""
    member = await make.member(**kw)
    await session.execute(
        update(Member)
        .where(Member.id == member.id)
        .values(membership_status=MembershipStatus.ACTIVE)
    )
    return member


def due(plan: RetentionPlan) -> dict[tuple[str | None, str, str], set[uuid.UUID]]:
    """The plan's lines with something to do: (partner slug, rule, what) -> ids."""
    return {
        (line.partner_slug, line.kind.value if line.kind else "-", line.what.value): set(line.ids)
        for line in plan.lines
        if line.count
    }


async def erased(session: AsyncSession, *contacts: Contact) -> list[bool]:
    rows = await session.execute(
        select(Contact.id, Contact.erased_at).where(Contact.id.in_([c.id for c in contacts]))
    )
    found = {row.id: row.erased_at is not None for row in rows}
    return [found[c.id] for c in contacts]


# -- the rules ------------------------------------------------------------------------------------


async def test_the_defaults_apply_where_no_rule_is_set(
    session: AsyncSession, make: Factory
) -> None:
    rules = await retention.retention_rules(session, SYSTEM)
    assert [(r.partner_id, r.kind, r.days, r.source) for r in rules] == [
        (None, kind, DEFAULT_DAYS[kind], RuleSource.BUILT_IN) for kind in Kind
    ]
    member = await active_member(session, make)
    idle = await make.contact(member)
    now = utcnow()

    assert due(await retention.plan(session, now + SIX_YEARS - DAY)) == {}
    assert due(await retention.plan(session, now + SIX_YEARS + DAY)) == {
        (None, "INACTIVE_CONTACTS", "contacts"): {idle.id}
    }


async def test_a_partners_rule_beats_the_default_for_its_own_members_only(
    session: AsyncSession, make: Factory
) -> None:
    france = await make.partner("france", countries=["FR"])
    wales = await make.partner("wales")
    in_france = await make.contact(
        await make.member(partner=france, network=Network.CITIZEN_POWERED_CITY, country="FR")
    )
    in_wales = await make.contact(await make.member(partner=wales))
    unassigned = await make.contact(await make.member())
    # The CNIL's three years for prospects, for the partner in France only.
    rule = await retention.set_retention_rule(
        session, SYSTEM, france.id, Kind.PROSPECT_CONTACTS, 3 * 365
    )
    assert (rule.partner_slug, rule.days, rule.source) == ("france", 1095, RuleSource.PARTNER)
    now = utcnow()

    assert due(await retention.plan(session, now + TWO_YEARS + DAY)) == {
        (None, "PROSPECT_CONTACTS", "contacts"): {unassigned.id},
        ("wales", "PROSPECT_CONTACTS", "contacts"): {in_wales.id},
    }
    assert due(await retention.plan(session, now + 1096 * DAY)) == {
        (None, "PROSPECT_CONTACTS", "contacts"): {unassigned.id},
        ("france", "PROSPECT_CONTACTS", "contacts"): {in_france.id},
        ("wales", "PROSPECT_CONTACTS", "contacts"): {in_wales.id},
    }
    lines = (await retention.plan(session, now)).lines
    assert {(line.partner_slug, line.days) for line in lines if line.kind is rule.kind} == {
        (None, 730),
        ("france", 1095),
        ("wales", 730),
    }

    # Cleared, France follows the network-wide rule again.
    back = await retention.set_retention_rule(session, SYSTEM, france.id, rule.kind, None)
    assert (back.days, back.source) == (730, RuleSource.BUILT_IN)
    assert ("france", "PROSPECT_CONTACTS", "contacts") in due(
        await retention.plan(session, now + TWO_YEARS + DAY)
    )
    await session.flush()
    actions = (
        await session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "RetentionRule")
            .order_by(AuditEvent.id)
        )
    ).all()
    assert actions == ["retention_rule.set", "retention_rule.cleared"]


async def test_prospects_archived_and_inactive_contacts_each_by_their_rule(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    prospect = await make.member()
    member = await active_member(session, make)
    at_prospect = await make.contact(prospect)
    left = await make.contact(member)
    await contact_cases.archive_contact(session, SYSTEM, left.id)
    stays = await make.contact(member)
    # A booking for a session in five years keeps a person of a prospect, too.
    booked = await make.contact(prospect)
    course = await train.course()
    in_five_years = (utcnow() + 5 * 365 * DAY).replace(microsecond=0)
    await train.book(await train.session_of(course, starts_at=in_five_years), booked)
    now = utcnow()

    assert due(await retention.plan(session, now + 366 * DAY)) == {
        (None, "ARCHIVED_CONTACTS", "contacts"): {left.id}
    }
    assert due(await retention.plan(session, now + TWO_YEARS + DAY)) == {
        (None, "ARCHIVED_CONTACTS", "contacts"): {left.id},
        (None, "PROSPECT_CONTACTS", "contacts"): {at_prospect.id},
    }
    assert due(await retention.plan(session, now + SIX_YEARS + DAY)) == {
        (None, "ARCHIVED_CONTACTS", "contacts"): {left.id},
        (None, "PROSPECT_CONTACTS", "contacts"): {at_prospect.id},
        (None, "INACTIVE_CONTACTS", "contacts"): {stays.id},
    }
    # Two years after that session: the booked person goes too.
    assert due(await retention.plan(session, in_five_years + TWO_YEARS + DAY))[
        (None, "PROSPECT_CONTACTS", "contacts")
    ] == {at_prospect.id, booked.id}


async def _invite(
    session: AsyncSession,
    contact: Contact,
    ends_at: datetime,
    *,
    response: RsvpResponse | None = None,
    status: MeetingStatus = MeetingStatus.SCHEDULED,
) -> None:
    """Invite `contact` now to a meeting ending at `ends_at`."""
    meeting = NetworkMeeting(
        network=Network.CITIZEN_POWERED_CITY,
        after_step=StarStep.MAP_IT,
        title="Network meeting",
        starts_at=ends_at - timedelta(hours=2),
        ends_at=ends_at,
        time_zone="Europe/London",
        reminder_offsets_minutes=[],
        status=status,
    )
    session.add(meeting)
    await session.flush()
    answered = utcnow() if response else None
    session.add(
        MeetingInvitation(
            meeting_id=meeting.id, contact_id=contact.id, response=response, responded_at=answered
        )
    )
    await session.flush()


async def test_an_invitation_to_a_meeting_ahead_keeps_a_prospect_until_after_it(
    session: AsyncSession, make: Factory
) -> None:
    prospect = await make.member()
    await retention.set_retention_rule(session, SYSTEM, None, Kind.PROSPECT_CONTACTS, 180)
    now = utcnow()
    in_300_days = (now + 300 * DAY).replace(microsecond=0)
    invited = await make.contact(prospect)
    await _invite(session, invited, in_300_days)
    maybe = await make.contact(prospect)
    await _invite(session, maybe, in_300_days, response=RsvpResponse.MAYBE)
    # Said no, or the meeting is off: the meeting keeps nobody.
    declined = await make.contact(prospect)
    await _invite(session, declined, in_300_days, response=RsvpResponse.NO)
    called_off = await make.contact(prospect)
    await _invite(session, called_off, in_300_days, status=MeetingStatus.CANCELLED)
    others = (None, "PROSPECT_CONTACTS", "contacts")

    assert due(await retention.plan(session, now + 181 * DAY)) == {
        others: {declined.id, called_off.id}
    }
    assert due(await retention.plan(session, in_300_days + 179 * DAY)) == {
        others: {declined.id, called_off.id}
    }
    assert due(await retention.plan(session, in_300_days + 181 * DAY)) == {
        others: {invited.id, maybe.id, declined.id, called_off.id}
    }


# -- the run --------------------------------------------------------------------------------------


async def _message(
    session: AsyncSession, contact: Contact, sent_at: datetime, *, attachment: bool
) -> uuid.UUID:
    message_id = await queue_email(
        session,
        template="notice",
        to_email=contact.email,
        language="en",
        context={"recipient_name": "Someone", "title": "Hello", "paragraphs": ["Body."]},
        dedup_key=f"retention-test:{uuid.uuid4()}",
        contact_id=contact.id,
    )
    assert message_id is not None
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENT, sent_at=sent_at)
    )
    if attachment:
        session.add(
            OutboxAttachment(
                message_id=message_id,
                position=0,
                filename="invite.ics",
                content_type="text/calendar",
                content=b"BEGIN:VCALENDAR",
            )
        )
    await session.flush()
    return message_id


async def _sign_ins(session: AsyncSession, user: User, ended: datetime) -> dict[str, uuid.UUID]:
    """A portal session, a sign-in link and a token of `user` that stopped working at
    `ended` (expired, used, revoked)."""
    rows: dict[str, Any] = {
        "session": PortalSignIn(user_id=user.id, expires_at=ended + 30 * DAY, revoked_at=ended),
        "link": LoginLink(user_id=user.id, token_hash=os.urandom(32), expires_at=ended),
        "token": ApiToken(
            user_id=user.id, token_hash=os.urandom(32), expires_at=ended + DAY, revoked_at=ended
        ),
    }
    rows["link"].used_at = ended - timedelta(minutes=5)
    session.add_all(rows.values())
    await session.flush()
    return {name: row.id for name, row in rows.items()}


async def test_the_report_is_what_the_run_then_does_and_a_second_run_does_nothing(
    session: AsyncSession, make: Factory, train: TrainingFactory
) -> None:
    member = await active_member(session, make)
    idle = await make.contact(member)
    colleague = await make.contact(member)
    course = await train.course()
    starts = (utcnow() + (6 * 365 - 30) * DAY).replace(microsecond=0)
    await train.book(await train.session_of(course, starts_at=starts), colleague)
    start = utcnow()
    later = start + SIX_YEARS + DAY
    old_message = await _message(session, colleague, start, attachment=True)
    new_message = await _message(session, colleague, later - 30 * DAY, attachment=True)
    staff = await make.user(Role.STAFF)
    stale = await _sign_ins(session, staff, start)
    live = await _sign_ins(session, staff, later - 10 * DAY)
    before = await snapshot(session)

    plan = await retention.plan(session, later)

    assert await snapshot(session) == before  # the report changed nothing
    assert due(plan) == {
        (None, "INACTIVE_CONTACTS", "contacts"): {idle.id},
        (None, "OUTBOX_BODIES", "outbox bodies"): {old_message},
        (None, "SIGN_IN_RECORDS", "portal sessions"): {stale["session"]},
        (None, "SIGN_IN_RECORDS", "sign-in links"): {stale["link"]},
        (None, "SIGN_IN_RECORDS", "API tokens"): {stale["token"]},
    }

    run = await retention.apply(session, later, batch_size=1)

    assert run.plan == plan
    assert run.done == [line.count for line in plan.lines]
    assert await erased(session, idle, colleague) == [True, False]
    bodies = {
        row.id: row.context
        for row in await session.execute(select(OutboxMessage.id, OutboxMessage.context))
    }
    assert bodies[old_message] == PRUNED_CONTEXT
    assert bodies[new_message]["title"] == "Hello"
    with_attachments = select(OutboxAttachment.message_id).where(
        OutboxAttachment.message_id.in_([old_message, new_message])
    )
    assert set(await session.scalars(with_attachments)) == {new_message}
    for model, name in ((PortalSignIn, "session"), (LoginLink, "link"), (ApiToken, "token")):
        remaining = set(await session.scalars(select(model.id).where(model.user_id == staff.id)))
        assert remaining == {live[name]}, name
    audit = (
        await session.execute(
            select(AuditEvent.action, AuditEvent.changes).where(
                AuditEvent.entity_type == "Retention"
            )
        )
    ).all()
    assert [tuple(row) for row in audit] == [
        (
            "retention.applied",
            {
                "INACTIVE_CONTACTS:contacts": 1,
                "OUTBOX_BODIES:outbox bodies": 1,
                "SIGN_IN_RECORDS:portal sessions": 1,
                "SIGN_IN_RECORDS:sign-in links": 1,
                "SIGN_IN_RECORDS:API tokens": 1,
            },
        )
    ]

    after = await snapshot(session)
    assert (await retention.plan(session, later)).total == 0
    second = await retention.apply(session, later)
    assert second.total == 0
    assert await snapshot(session) == after


async def test_outbox_bodies_follow_the_rule_of_the_contacts_partner(
    session: AsyncSession, make: Factory
) -> None:
    wales = await make.partner("wales")
    in_wales = await make.contact(await active_member(session, make, partner=wales))
    elsewhere = await make.contact(await active_member(session, make))
    await retention.set_retention_rule(session, SYSTEM, wales.id, Kind.OUTBOX_BODIES, 30)
    start = utcnow()
    welsh = await _message(session, in_wales, start, attachment=False)
    other = await _message(session, elsewhere, start, attachment=False)

    assert due(await retention.plan(session, start + 31 * DAY)) == {
        ("wales", "OUTBOX_BODIES", "outbox bodies"): {welsh}
    }
    assert due(await retention.plan(session, start + 91 * DAY)) == {
        ("wales", "OUTBOX_BODIES", "outbox bodies"): {welsh},
        (None, "OUTBOX_BODIES", "outbox bodies"): {other},
    }
    # A PENDING message (not delivered yet) is never pruned, however old.
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == other)
        .values(status=OutboxStatus.PENDING, sent_at=None)
    )
    assert due(await retention.plan(session, start + 400 * DAY)) == {
        ("wales", "OUTBOX_BODIES", "outbox bodies"): {welsh}
    }


@pytest.mark.parametrize("status", [OutboxStatus.FAILED, OutboxStatus.SKIPPED])
async def test_a_pruned_message_keeps_no_address_and_cannot_be_retried(
    session: AsyncSession, make: Factory, status: OutboxStatus
) -> None:
    person = await make.contact(await active_member(session, make), "ada.lovelace@powys.example")
    start = utcnow()
    message_id = await _message(session, person, start, attachment=True)
    kept_id = await _message(session, person, start + 60 * DAY, attachment=False)
    refusal = "550 5.1.1 <ada.lovelace@powys.example>: no such user (ada.lovelace@powys)"
    # Given up on at `start`, and 60 days later: only the first is past the 90 days.
    for row_id, ended in ((message_id, start), (kept_id, start + 60 * DAY)):
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(
                status=status,
                sent_at=None,
                attachment_count=1,
                last_error=refusal,
                updated_at=ended,
            )
        )
    session.add(
        OutboxReceipt(
            message_id=message_id, accepted_at=start, reply="250 2.0.0 queued for ada@powys.example"
        )
    )
    await session.flush()
    later = start + 91 * DAY

    run = await retention.apply(session, later)

    assert run.by_kind() == {"OUTBOX_BODIES:outbox bodies": 1}
    rows = {
        row.id: row
        for row in await session.execute(
            select(
                OutboxMessage.id,
                OutboxMessage.context,
                OutboxMessage.attachment_count,
                OutboxMessage.last_error,
            ).where(OutboxMessage.id.in_([message_id, kept_id]))
        )
    }
    pruned, kept = rows[message_id], rows[kept_id]
    assert (pruned.context, pruned.attachment_count) == (PRUNED_CONTEXT, 0)
    assert pruned.last_error == "550 5.1.1 <<email>>: no such user (<email>)"
    assert (kept.context["title"], kept.attachment_count, kept.last_error) == ("Hello", 1, refusal)
    reply = await session.scalar(
        select(OutboxReceipt.reply).where(OutboxReceipt.message_id == message_id)
    )
    assert reply == "250 2.0.0 queued for <email>"
    # Pruned is done: the next run finds nothing to prune again.
    assert (await retention.plan(session, later)).total == 0

    with pytest.raises(DomainError) as refused:
        await retry_outbox_message(session, SYSTEM, message_id)

    assert [(e.field, e.code) for e in refused.value.errors] == [("id", "BODY_PRUNED")]
    assert (
        await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == message_id))
        is status
    )
    retried = await retry_outbox_message(session, SYSTEM, kept_id)
    assert retried.status is OutboxStatus.PENDING


async def test_sign_in_records_go_their_rules_days_after_they_stopped_working(
    session: AsyncSession, make: Factory
) -> None:
    france = await make.partner("france", countries=["FR"])
    await retention.set_retention_rule(session, SYSTEM, france.id, Kind.SIGN_IN_RECORDS, 60)
    staff = await make.user(Role.STAFF)
    partner_user = await make.user(Role.PARTNER, partner=france)
    member_user = await make.user(
        Role.MEMBER,
        contact=await make.contact(
            await make.member(partner=france, network=Network.CITIZEN_POWERED_CITY, country="FR")
        ),
    )
    start = utcnow()
    stopped = {user.id: await _sign_ins(session, user, start) for user in (staff, partner_user)}
    stopped[member_user.id] = await _sign_ins(session, member_user, start)
    # A member's newest session and token stay as the date of their last sign-in.
    newest = await _sign_ins(session, member_user, start + DAY)
    still_open = PortalSignIn(user_id=staff.id, expires_at=start + 20 * DAY)
    session.add(still_open)
    await session.flush()

    # 31 days on: staff's records go (30 days, network-wide); France's users keep theirs (60).
    assert due(await retention.plan(session, start + 31 * DAY)) == {
        (None, "SIGN_IN_RECORDS", "portal sessions"): {stopped[staff.id]["session"]},
        (None, "SIGN_IN_RECORDS", "sign-in links"): {stopped[staff.id]["link"]},
        (None, "SIGN_IN_RECORDS", "API tokens"): {stopped[staff.id]["token"]},
    }
    later = due(await retention.plan(session, start + 61 * DAY))
    assert later[("france", "SIGN_IN_RECORDS", "portal sessions")] == {
        stopped[partner_user.id]["session"],
        stopped[member_user.id]["session"],
    }
    assert later[(None, "SIGN_IN_RECORDS", "portal sessions")] == {
        stopped[staff.id]["session"],
        still_open.id,
    }
    assert later[("france", "SIGN_IN_RECORDS", "API tokens")] == {
        stopped[partner_user.id]["token"],
        stopped[member_user.id]["token"],
    }
    assert later[("france", "SIGN_IN_RECORDS", "sign-in links")] == {
        stopped[partner_user.id]["link"],
        stopped[member_user.id]["link"],
        newest["link"],
    }
    kept = {newest["session"], newest["token"]}
    assert not kept & set().union(*due(await retention.plan(session, start + 5000 * DAY)).values())
    # The session that expires in 20 days goes 30 days after that.
    assert (
        still_open.id
        in due(await retention.plan(session, start + 51 * DAY))[
            (None, "SIGN_IN_RECORDS", "portal sessions")
        ]
    )


async def test_an_export_past_its_expiry_loses_its_zip_and_keeps_its_row(
    session: AsyncSession, make: Factory
) -> None:
    person = await make.contact(await active_member(session, make))
    staff = await make.user(Role.STAFF)
    start = utcnow()
    exports = [
        PersonalDataExport(
            contact_id=person.id,
            requested_by_user_id=staff.id,
            status=ExportStatus.READY,
            ready_at=start,
            expires_at=start + days * DAY,
            content=b"PK zip",
            size_bytes=6,
        )
        for days in (7, 30)
    ]
    session.add_all(exports)
    await session.flush()

    assert due(await retention.plan(session, start + 8 * DAY)) == {
        (None, "-", "export files"): {exports[0].id}
    }
    await retention.apply(session, start + 8 * DAY)
    rows = (
        await session.execute(
            select(PersonalDataExport.id, PersonalDataExport.status, PersonalDataExport.content)
            .where(PersonalDataExport.contact_id == person.id)
            .order_by(PersonalDataExport.expires_at)
        )
    ).all()
    assert [tuple(row) for row in rows] == [
        (exports[0].id, ExportStatus.EXPIRED, None),
        (exports[1].id, ExportStatus.READY, b"PK zip"),
    ]


async def test_a_contact_who_became_active_after_the_plan_is_left_alone(
    session: AsyncSession, make: Factory
) -> None:
    member = await active_member(session, make)
    person = await make.contact(member)
    later = utcnow() + SIX_YEARS + DAY
    plan = await retention.plan(session, later)
    assert plan.ids(Target.CONTACTS) == {person.id}
    # Something happens to the person between the plan and its batch (the run checks again).
    await session.execute(
        update(Contact).where(Contact.id == person.id).values(updated_at=later - DAY)
    )
    run = await retention.apply(session, later)
    assert run.total == 0
    assert await erased(session, person) == [False]


# -- GraphQL --------------------------------------------------------------------------------------

RULES = """
query($partnerId: ID) {
  retentionRules(partnerId: $partnerId) { kind days source partner { slug } }
}"""

SET = """
mutation($input: SetRetentionRuleInput!) {
  setRetentionRule(input: $input) {
    retentionRule { kind days source partner { slug } }
    userErrors { field code }
  }
}"""


async def test_staff_set_rules_and_bad_input_names_the_field_and_changes_nothing(
    gql: GraphQL, session: AsyncSession, make: Factory
) -> None:
    france = await make.partner("france", countries=["FR"])
    staff = await make.token(Role.STAFF)
    partner = await make.token(Role.PARTNER, partner=france)
    member = await make.token(
        Role.MEMBER, contact=await make.contact(await make.member(partner=france))
    )
    before = await snapshot(session)
    refused: list[tuple[dict[str, Any], str | None, list[dict[str, str]]]] = [
        ({"kind": "OUTBOX_BODIES", "days": 0}, staff, [{"field": "days", "code": "TOO_SMALL"}]),
        ({"kind": "OUTBOX_BODIES", "days": -5}, staff, [{"field": "days", "code": "TOO_SMALL"}]),
        (
            {"kind": "INACTIVE_CONTACTS", "days": 30},
            staff,
            [{"field": "days", "code": "TOO_SMALL"}],
        ),
        (
            {"kind": "OUTBOX_BODIES", "days": 36_501},
            staff,
            [{"field": "days", "code": "TOO_LARGE"}],
        ),
        (
            {"partnerId": gid("Partner", Partner(id=uuid.uuid4())), "kind": "OUTBOX_BODIES"}
            | {"days": 30},
            staff,
            [{"field": "partnerId", "code": "NOT_FOUND"}],
        ),
        (
            {"partnerId": "not-an-id", "kind": "OUTBOX_BODIES", "days": 30},
            staff,
            [{"field": "partnerId", "code": "NOT_FOUND"}],
        ),
        (
            {"partnerId": gid("Partner", france), "kind": "PROSPECT_CONTACTS", "days": 1095},
            partner,
            [{"field": "partnerId", "code": "FORBIDDEN"}],
        ),
        (
            {"kind": "PROSPECT_CONTACTS", "days": 1095},
            member,
            [{"field": "partnerId", "code": "FORBIDDEN"}],
        ),
    ]
    for variables, token, errors in refused:
        body = await gql(SET, {"input": variables}, token=token)
        assert body == {
            "data": {"setRetentionRule": {"retentionRule": None, "userErrors": errors}}
        }, variables
    assert await snapshot(session) == before

    set_it = {"partnerId": gid("Partner", france), "kind": "PROSPECT_CONTACTS", "days": 1095}
    body = await gql(SET, {"input": set_it}, token=staff)
    assert body["data"]["setRetentionRule"] == {
        "retentionRule": {
            "kind": "PROSPECT_CONTACTS",
            "days": 1095,
            "source": "PARTNER",
            "partner": {"slug": "france"},
        },
        "userErrors": [],
    }
    body = await gql(SET, {"input": set_it | {"days": None}}, token=staff)
    assert body["data"]["setRetentionRule"]["retentionRule"] == {
        "kind": "PROSPECT_CONTACTS",
        "days": 730,
        "source": "BUILT_IN",
        "partner": {"slug": "france"},
    }


async def test_days_left_out_is_refused_and_null_removes_the_rule(
    gql: GraphQL, session: AsyncSession, make: Factory
) -> None:
    france = await make.partner("france", countries=["FR"])
    staff = await make.token(Role.STAFF)
    member = await make.token(Role.MEMBER, contact=await make.contact(await make.member()))
    await retention.set_retention_rule(session, SYSTEM, france.id, Kind.PROSPECT_CONTACTS, 1095)
    await session.flush()  # its audit event too
    before = await snapshot(session)
    left_out = {"partnerId": gid("Partner", france), "kind": "PROSPECT_CONTACTS"}

    body = await gql(SET, {"input": left_out}, token=staff)

    assert body == {
        "data": {
            "setRetentionRule": {
                "retentionRule": None,
                "userErrors": [{"field": "days", "code": "REQUIRED"}],
            }
        }
    }
    assert await snapshot(session) == before
    # Who may not set rules is told so first, whatever they left out.
    body = await gql(SET, {"input": {"kind": "OUTBOX_BODIES"}}, token=member)
    assert body["data"]["setRetentionRule"]["userErrors"] == [
        {"field": "partnerId", "code": "FORBIDDEN"}
    ]

    body = await gql(SET, {"input": left_out | {"days": None}}, token=staff)

    assert body["data"]["setRetentionRule"] == {
        "retentionRule": {
            "kind": "PROSPECT_CONTACTS",
            "days": 730,
            "source": "BUILT_IN",
            "partner": {"slug": "france"},
        },
        "userErrors": [],
    }
    rules = await retention.retention_rules(session, SYSTEM, france.id)
    assert {r.kind: r.source for r in rules}[Kind.PROSPECT_CONTACTS] is RuleSource.BUILT_IN


async def test_a_partner_sees_its_own_rules_with_the_networks_and_no_other_partners(
    gql: GraphQL, session: AsyncSession, make: Factory
) -> None:
    france = await make.partner("france", countries=["FR"])
    wales = await make.partner("wales")
    await retention.set_retention_rule(session, SYSTEM, None, Kind.OUTBOX_BODIES, 60)
    await retention.set_retention_rule(session, SYSTEM, france.id, Kind.PROSPECT_CONTACTS, 1095)
    await retention.set_retention_rule(session, SYSTEM, wales.id, Kind.INACTIVE_CONTACTS, 3000)
    french = await make.token(Role.PARTNER, partner=france)
    staff = await make.token(Role.STAFF)
    member = await make.token(
        Role.MEMBER, contact=await make.contact(await make.member(partner=france))
    )

    body = await gql(RULES, token=french)
    assert body == {
        "data": {
            "retentionRules": [
                {"kind": kind, "days": days, "source": source, "partner": {"slug": "france"}}
                for kind, days, source in [
                    ("INACTIVE_CONTACTS", 2190, "BUILT_IN"),
                    ("PROSPECT_CONTACTS", 1095, "PARTNER"),
                    ("ARCHIVED_CONTACTS", 365, "BUILT_IN"),
                    ("OUTBOX_BODIES", 60, "NETWORK"),
                    ("SIGN_IN_RECORDS", 30, "BUILT_IN"),
                ]
            ]
        }
    }
    assert "3000" not in str(await gql(RULES, token=french))
    hidden = await gql(RULES, {"partnerId": gid("Partner", wales)}, token=french)
    assert hidden["data"] is None
    assert [e["extensions"]["code"] for e in hidden["errors"]] == ["NOT_FOUND"]
    refused = await gql(RULES, token=member)
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["FORBIDDEN"]

    everything = (await gql(RULES, token=staff))["data"]["retentionRules"]
    assert [(r["partner"] or {}).get("slug") for r in everything] == [None] * 5 + ["france"] * 5 + [
        "wales"
    ] * 5
    assert {
        ((r["partner"] or {}).get("slug"), r["kind"]): (r["days"], r["source"])
        for r in everything
        if r["source"] != "BUILT_IN"
    } == {
        (None, "OUTBOX_BODIES"): (60, "NETWORK"),
        ("france", "OUTBOX_BODIES"): (60, "NETWORK"),
        ("france", "PROSPECT_CONTACTS"): (1095, "PARTNER"),
        ("wales", "OUTBOX_BODIES"): (60, "NETWORK"),
        ("wales", "INACTIVE_CONTACTS"): (3000, "PARTNER"),
    }
