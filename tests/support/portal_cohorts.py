"""A partner's cohort for the portal's meeting pages: the scene, the schedule form, meetings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from network.auth import service as auth
from network.auth.principal import SYSTEM
from network.contacts.models import Contact
from network.db import utcnow
from network.kit.enums import Role, StarStep
from network.meetings import service as meetings
from network.meetings.models import NetworkMeeting
from network.members.models import Member
from network.partners.models import Partner
from network.programme.models import Cohort
from tests.support.config import PASSWORD
from tests.support.factories import Factory

LONDON = ZoneInfo("Europe/London")
DAY = (date.today() + timedelta(days=40)).isoformat()


@dataclass
class Scene:
    partner: Partner
    email: str
    cohort: Cohort
    members: list[Member]
    contacts: list[Contact]


async def scene(make: Factory, session: AsyncSession) -> Scene:
    """A partner (with a user who has a password) and a cohort of two members, one contact
    each."""
    partner = await make.partner()
    user = await make.user(Role.PARTNER, partner=partner)
    await auth.set_password(session, SYSTEM, user.email, PASSWORD)
    powys = await make.member("Powys County Council", partner=partner)
    anglesey = await make.member("Isle of Anglesey County Council", partner=partner)
    sian = await make.contact(powys, first_name="Siân", last_name="Pryce", language="cy")
    marie = await make.contact(anglesey, first_name="Marie", last_name="Dubois", language="fr")
    cohort = await make.cohort(
        f"Cohort of {partner.slug}", partner=partner, members=[powys, anglesey]
    )
    await session.commit()
    return Scene(partner, user.email, cohort, [powys, anglesey], [sian, marie])


def form(**changes: str) -> dict[str, str]:
    """A valid schedule form, with `changes`."""
    return {
        "title": "Focus It network meeting",
        "after_step": "FOCUS_IT",
        "date": DAY,
        "start_time": "10:00",
        "end_time": "12:00",
        "time_zone": "Europe/London",
        "venue": "Neuadd y Sir, Llandrindod",
        "online_url": "https://meet.example/focus-it",
        "agenda": "1. Welcome",
        **changes,
    }


async def schedule(
    session: AsyncSession, cohort: Cohort, *, days: int = 30, title: str = "Map It meeting"
) -> NetworkMeeting:
    """A meeting scheduled through the service as the system."""
    start = datetime.combine(date.today() + timedelta(days=days), datetime.min.time(), LONDON)
    start = start.replace(hour=14)
    meeting = await meetings.schedule_meeting(
        session,
        SYSTEM,
        cohort_id=cohort.id,
        after_step=StarStep.MAP_IT,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        time_zone="Europe/London",
        online_url="https://meet.example/map-it",
    )
    await session.commit()
    return meeting


async def into_the_past(session: AsyncSession, meeting_id: uuid.UUID, days: int) -> None:
    """Move a meeting back in time (the service refuses to schedule one in the past)."""
    start = utcnow() - timedelta(days=days)
    await session.execute(
        update(NetworkMeeting)
        .where(NetworkMeeting.id == meeting_id)
        .values(starts_at=start, ends_at=start + timedelta(hours=2))
    )
    await session.commit()
