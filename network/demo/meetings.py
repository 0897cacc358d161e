"""Demo network meetings: after Map It (held, with answers) and after Focus It (upcoming)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import RsvpResponse, StarStep
from network.meetings import service as meetings
from network.meetings.models import MeetingInvitation, NetworkMeeting
from network.programme.models import Cohort, CohortMember

# cohort name, time zone, venue, online link
COHORT_MEETINGS = [
    (
        "Wales Community Leadership Cohort 2026",
        "Europe/London",
        "Powys County Hall, Llandrindod",
        None,
    ),
    (
        "CitizenPoweredCity Europe Cohort 2026",
        "Europe/Paris",
        None,
        "https://meet.example/citizenpoweredcity",
    ),
]


def _at(days: int, zone: str) -> datetime:
    day = (utcnow() + timedelta(days=days)).astimezone(ZoneInfo(zone)).date()
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(zone))


async def load_meetings_demo(session: AsyncSession) -> str:
    """Add each partner cohort's two meetings unless the cohort has meetings already."""
    added = 0
    for name, zone, venue, url in COHORT_MEETINGS:
        cohort = (await session.scalars(select(Cohort).where(Cohort.name == name))).first()
        if cohort is None:
            continue
        exists = await session.execute(
            select(NetworkMeeting.id).where(NetworkMeeting.cohort_id == cohort.id).limit(1)
        )
        if exists.first() is not None:
            continue
        # The meeting after Map It was held five weeks ago: a record of the past, written
        # directly (the service schedules only future meetings), with the answers people gave.
        held_at = _at(-35, zone)
        held = NetworkMeeting(
            cohort_id=cohort.id,
            network=cohort.network,
            after_step=StarStep.MAP_IT,
            title=f"{name}: network meeting after Map It",
            starts_at=held_at,
            ends_at=held_at + timedelta(hours=2),
            time_zone=zone,
            venue=venue,
            online_url=url,
            agenda="Share each member's map of the people and assets involved.",
            reminder_offsets_minutes=[10080, 1440],
        )
        session.add(held)
        await session.flush()
        people = (
            await session.scalars(
                select(Contact.id)
                .join(CohortMember, CohortMember.member_id == Contact.member_id)
                .where(CohortMember.cohort_id == cohort.id, Contact.archived_at.is_(None))
                .order_by(Contact.email)
            )
        ).all()
        for index, contact_id in enumerate(people):
            session.add(
                MeetingInvitation(
                    meeting_id=held.id,
                    contact_id=contact_id,
                    response=RsvpResponse.YES if index % 3 else RsvpResponse.NO,
                    responded_at=held_at - timedelta(days=3),
                )
            )
        starts = _at(21, zone)
        await meetings.schedule_meeting(
            session,
            SYSTEM,
            cohort_id=cohort.id,
            after_step=StarStep.FOCUS_IT,
            title=f"{name}: network meeting after Focus It",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            time_zone=zone,
            venue=venue,
            online_url=url,
            agenda="Agree each member's focus and the action plan for People It.",
        )
        added += 2
    return f"meetings: {added} added"
