"""Network meetings: a cohort with people (the `scene` fixture), meetings scheduled through the
service, the outbox they fill, and the GraphQL documents more than one test sends."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.contacts import service as contacts
from network.contacts.models import Contact
from network.kit.enums import Network, Role, StarStep
from network.meetings import service as meetings
from network.meetings.models import MeetingReminder, NetworkMeeting
from network.members.models import Member
from network.messaging.models import OutboxAttachment, OutboxMessage
from network.messaging.rendering import Renderer
from network.partners.models import Partner
from network.programme.models import Cohort
from network.usecases import contacts as contact_cases
from tests.support.factories import Factory, gid

PARIS = ZoneInfo("Europe/Paris")


def upcoming(days: float, hour: int = 10, zone: ZoneInfo = PARIS) -> datetime:
    """A whole hour `days` from now, local to `zone`, as an aware datetime."""
    moment = (datetime.now(UTC) + timedelta(days=days)).astimezone(zone)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def next_spring_forward(after: date, zone: ZoneInfo = PARIS) -> date:
    """The first day on or after `after` whose clocks go forward in `zone` (e.g. CET -> CEST)."""
    day = after
    for _ in range(800):
        noon_before = datetime(day.year, day.month, day.day, 0, tzinfo=zone)
        noon_after = datetime(day.year, day.month, day.day, 23, tzinfo=zone)
        offset_before = noon_before.utcoffset()
        offset_after = noon_after.utcoffset()
        assert offset_before is not None and offset_after is not None
        if offset_after > offset_before:
            return day
        day += timedelta(days=1)
    raise AssertionError("no daylight-saving change found")


def clock_change(forward: bool, zone: ZoneInfo) -> datetime:
    """The next wall-clock half hour (naive) that the clocks skip (`forward`) or repeat in `zone`.

    Found from the zone database, not written down, so tests keep working as years pass.
    """
    day = date.today() + timedelta(days=2)
    for _ in range(800):
        for step in range(48):
            wall = datetime(day.year, day.month, day.day) + timedelta(minutes=30 * step)
            first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
            if first.utcoffset() == second.utcoffset():
                continue
            skipped = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall
            if skipped == forward:
                return wall
        day += timedelta(days=1)
    raise AssertionError("no clock change found")


@dataclass
class Scene:
    """A partner's cohort with two member organisations and their people."""

    partner: Partner
    cohort: Cohort
    powys: Member
    anglesey: Member
    outsider: Member
    sian: Contact  # Welsh speaker at Powys
    tom: Contact  # English speaker at Powys
    marie: Contact  # French speaker at Anglesey
    archived: Contact  # archived at Anglesey: never invited
    opted_out: Contact  # opted out of programme emails at Anglesey: never invited
    stranger: Contact  # at a member outside the cohort


@pytest.fixture
async def scene(make: Factory, session: AsyncSession) -> Scene:
    partner = await make.partner("wales")
    powys = await make.member("Powys County Council", partner=partner)
    anglesey = await make.member("Isle of Anglesey County Council", partner=partner)
    outsider = await make.member("Kent County Council")
    cohort = await make.cohort("Wales cohort 1", partner=partner, members=[powys, anglesey])
    sian = await make.contact(
        powys, "sian@powys.example", first_name="Siân", last_name="Pryce", language="cy"
    )
    tom = await make.contact(
        powys, "tom@powys.example", first_name="Tom", last_name="Evans", language="en"
    )
    marie = await make.contact(
        anglesey, "marie@anglesey.example", first_name="Marie", last_name="Dubois", language="fr"
    )
    archived = await make.contact(anglesey, "gone@anglesey.example", last_name="Gone")
    await contact_cases.archive_contact(session, SYSTEM, archived.id)
    opted_out = await make.contact(anglesey, "quiet@anglesey.example", last_name="Quiet")
    await contacts.update_contact(session, SYSTEM, opted_out.id, email_opt_outs=["programme"])
    stranger = await make.contact(outsider, "someone@kent.example", last_name="Stranger")
    return Scene(
        partner, cohort, powys, anglesey, outsider, sian, tom, marie, archived, opted_out, stranger
    )


async def schedule(
    session: AsyncSession,
    cohort: Cohort | None,
    *,
    starts_at: datetime,
    hours: int = 2,
    offsets: list[int] | None = None,
    network: Network | None = None,
    contact_ids: list[uuid.UUID] | None = None,
    title: str = "Focus It network meeting",
) -> NetworkMeeting:
    """Schedule a meeting as the system, in Europe/Paris."""
    return await meetings.schedule_meeting(
        session,
        SYSTEM,
        cohort_id=cohort.id if cohort else None,
        network=network,
        after_step=StarStep.FOCUS_IT,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        time_zone="Europe/Paris",
        venue="Neuadd y Sir, Llandrindod",
        online_url="https://meet.example/focus-it",
        agenda="1. Welcome\n2. What we learnt",
        reminder_offsets_minutes=offsets,
        contact_ids=contact_ids,
    )


async def outbox(session: AsyncSession, template: str | None = None) -> list[Any]:
    """Outbox rows, optionally of one template, by recipient then dedup key."""
    statement = select(OutboxMessage).order_by(OutboxMessage.to_email, OutboxMessage.dedup_key)
    if template is not None:
        statement = statement.where(OutboxMessage.template == template)
    return list((await session.scalars(statement)).all())


async def attachments(session: AsyncSession, message_id: uuid.UUID) -> list[OutboxAttachment]:
    """The files of one outbox message, in order."""
    statement = (
        select(OutboxAttachment)
        .where(OutboxAttachment.message_id == message_id)
        .order_by(OutboxAttachment.position)
    )
    return list((await session.scalars(statement)).all())


async def planned(session: AsyncSession, meeting_id: uuid.UUID) -> list[tuple[str, int, str]]:
    """(contact email, offset, status) of every reminder row of a meeting, sorted."""
    from network.meetings.models import MeetingInvitation

    statement = (
        select(Contact.email, MeetingReminder.offset_minutes, MeetingReminder.status)
        .join(MeetingInvitation, MeetingInvitation.id == MeetingReminder.invitation_id)
        .join(Contact, Contact.id == MeetingInvitation.contact_id)
        .where(MeetingReminder.meeting_id == meeting_id)
    )
    return sorted(
        (email, offset, str(status)) for email, offset, status in (await session.execute(statement))
    )


@pytest.fixture(scope="session")
def renderer() -> Renderer:
    return Renderer()


async def tokens(make: Factory, scene: Scene) -> dict[str, str]:
    """Bearer tokens: staff, the cohort's partner, and another partner."""
    other = await make.partner("france", countries=["FR"])
    return {
        "staff": await make.token(Role.STAFF),
        "partner": await make.token(Role.PARTNER, partner=scene.partner),
        "other": await make.token(Role.PARTNER, partner=other),
    }


SCHEDULE = """
mutation($input: ScheduleNetworkMeetingInput!) {
  scheduleNetworkMeeting(input: $input) {
    meeting {
      title afterStep network networkWide startsAt endsAt timeZone localStartsAt venue onlineUrl
      agenda reminderOffsetsMinutes status sequence cohort { name }
      invitations(first: 10) { totalCount edges { node { contact { email } response } } }
      responseCounts { yes no maybe noResponse }
    }
    userErrors { field code message }
  }
}"""


def schedule_input(scene: Scene, **overrides: object) -> dict[str, object]:
    """The input of a valid scheduleNetworkMeeting for the scene's cohort, with `overrides`."""
    starts = upcoming(days=30)
    values: dict[str, object] = {
        "cohortId": gid("Cohort", scene.cohort),
        "afterStep": "FOCUS_IT",
        "title": "Focus It network meeting",
        "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat(),
        "timeZone": "Europe/Paris",
        "venue": "Neuadd y Sir, Llandrindod",
        "onlineUrl": "https://meet.example/focus-it",
        "agenda": "1. Welcome\n2. What we learnt",
    }
    values.update(overrides)
    return values


RSVP = """
mutation($input: RsvpInput!) {
  rsvp(input: $input) { invitation { response } userErrors { field code message } }
}"""
